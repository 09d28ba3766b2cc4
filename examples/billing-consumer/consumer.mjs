#!/usr/bin/env node
/**
 * Example billing consumer for Chronicle's event feed (docs/billing-consumer.md).
 *
 * Follows GET /api/v1/events/stream (Server-Sent Events) for the billing-relevant event types,
 * writes each event once to a ledger (JSON lines: the side effect a real consumer would do in its
 * billing system), keeps its checkpoint in a file and resumes after a restart with Last-Event-ID.
 *
 * Delivery is at least once, so the consumer dedupes on the event id. What makes a restart exact,
 * even after `kill -9`:
 *   - events arrive in position order and are written to the ledger in that order, one full line each;
 *   - on start, a half-written last line is cut off, and the consumer resumes after the later of the
 *     checkpoint and the ledger's last line (the ledger may be ahead: the checkpoint is written in batches);
 *   - the ids of the last lines and of the checkpoint's window are "seen": a redelivered event is skipped.
 *
 * Node 20+, no dependencies:
 *   CHRONICLE_URL=http://localhost:3000 CHRONICLE_EMAIL=… CHRONICLE_PASSWORD=… node examples/billing-consumer/consumer.mjs
 * Settings (environment): CHRONICLE_URL, CHRONICLE_TOKEN or CHRONICLE_EMAIL + CHRONICLE_PASSWORD (needs the
 * feed.read permission), EVENT_TYPES (comma-separated), CHECKPOINT_FILE, LEDGER_FILE.
 */
import { open, readFile, rename, writeFile, stat, truncate } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

export const BILLING_EVENT_TYPES = [
  'CustomerCreated',
  'CustomerActivated',
  'CustomerBlocked',
  'CustomerDeactivated',
  'CustomerBillingTypeChanged',
  'CustomerBillingSettingsChanged',
  'CustomerDeleted',
  'CustomerRestored',
  'PaymentRecorded',
  'ChargeRecorded',
];

const DEDUPE_WINDOW = 10_000;
const CHECKPOINT_EVERY_EVENTS = 100;
const CHECKPOINT_EVERY_MS = 250;
const LEDGER_TAIL_BYTES = 1024 * 1024;

/** A small Server-Sent Events parser (id, event, data, retry; comments ignored). */
export function createSseParser(onMessage, onComment = () => {}) {
  let buffer = '';
  let message = { id: undefined, event: undefined, data: [] };
  const dispatch = () => {
    if (message.data.length > 0) onMessage({ id: message.id, event: message.event ?? 'message', data: message.data.join('\n') });
    message = { id: undefined, event: undefined, data: [] };
  };
  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return onComment(text.slice(1).trim());
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') message.data.push(value);
    else if (field === 'id' && !value.includes('\0')) message.id = value;
    else if (field === 'event') message.event = value;
  };
  return (chunk) => {
    buffer += chunk;
    let index;
    while ((index = buffer.search(/\r\n|\r|\n/)) !== -1) {
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (buffer[index] === '\r' && index === buffer.length - 1) break;
      const newline = buffer.startsWith('\r\n', index) ? 2 : 1;
      line(buffer.slice(0, index));
      buffer = buffer.slice(index + newline);
    }
  };
}

/** The checkpoint file: {position, recentIds}. Written atomically (temp file + rename). */
async function loadCheckpoint(file) {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8'));
    return { position: typeof parsed.position === 'string' ? parsed.position : null, recentIds: Array.isArray(parsed.recentIds) ? parsed.recentIds : [] };
  } catch (error) {
    if (error.code === 'ENOENT') return { position: null, recentIds: [] };
    throw error;
  }
}

async function saveCheckpoint(file, checkpoint) {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint));
  await rename(temporary, file);
}

/**
 * The ledger's complete lines at its end (the last ones that fit in LEDGER_TAIL_BYTES); a
 * half-written last line (the process died mid-write) is cut off the file first.
 */
async function ledgerTail(file) {
  let size;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const start = Math.max(0, size - LEDGER_TAIL_BYTES);
  const handle = await open(file, 'r');
  let text;
  try {
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    text = buffer.toString('utf8');
  } finally {
    await handle.close();
  }
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline !== text.length - 1) await truncate(file, start + Buffer.byteLength(text.slice(0, lastNewline + 1)));
  const lines = text.slice(0, lastNewline + 1).split('\n').filter(Boolean);
  if (start > 0) lines.shift(); // may be cut at the front
  return lines.map((line) => JSON.parse(line));
}

/** What a billing system would record; here one JSON line per event. */
function ledgerEntry(event) {
  const { customerId, amount, from, to, status, billingType } = event.data ?? {};
  return { id: event.id, position: event.position, type: event.type, schemaVersion: event.schemaVersion, customerId, amount, from, to, status, billingType, at: event.data?.at };
}

export async function runBillingConsumer(options) {
  const {
    baseUrl,
    token: givenToken,
    email,
    password,
    types = BILLING_EVENT_TYPES,
    checkpointFile,
    ledgerFile,
    signal,
    log = (message) => console.log(`[billing-consumer] ${message}`),
  } = options;

  // Resume after the later of the checkpoint and the ledger (positions compare as strings).
  const checkpoint = await loadCheckpoint(checkpointFile);
  const tail = await ledgerTail(ledgerFile);
  let position = checkpoint.position;
  const lastLedgered = tail.length ? tail[tail.length - 1].position : null;
  if (lastLedgered !== null && (position === null || lastLedgered > position)) position = lastLedgered;
  const seen = new Set();
  const order = [];
  const remember = (id) => {
    if (seen.has(id)) return;
    seen.add(id);
    order.push(id);
    if (order.length > DEDUPE_WINDOW) seen.delete(order.shift());
  };
  for (const id of checkpoint.recentIds) remember(id);
  for (const entry of tail) remember(entry.id);

  const ledger = await open(ledgerFile, 'a');
  let token = givenToken;
  let sinceCheckpoint = 0;
  let checkpointTimer = null;
  let handled = 0;
  let skipped = 0;

  // One checkpoint write at a time, each with the state of when it starts.
  let checkpointing = Promise.resolve();
  const writeCheckpoint = () => {
    clearTimeout(checkpointTimer);
    checkpointTimer = null;
    sinceCheckpoint = 0;
    const snapshot = { position, recentIds: order.slice(-1000), updatedAt: new Date().toISOString() };
    checkpointing = checkpointing.catch(() => {}).then(() => saveCheckpoint(checkpointFile, snapshot));
    return checkpointing;
  };

  const login = async () => {
    if (!email) throw new Error('The feed refused the token and no CHRONICLE_EMAIL / CHRONICLE_PASSWORD are set to log in again');
    const response = await fetch(new URL('/api/v1/auth/login', baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
      signal,
    });
    if (!response.ok) throw new Error(`login answered ${response.status}`);
    token = (await response.json()).accessToken;
  };

  // Handles one event: the ledger line first (the side effect), then the position.
  const handle = async (message) => {
    const event = JSON.parse(message.data);
    if (seen.has(event.id)) {
      skipped++;
    } else {
      await ledger.write(`${JSON.stringify(ledgerEntry(event))}\n`);
      remember(event.id);
      handled++;
    }
    position = message.id ?? event.position;
    if (++sinceCheckpoint >= CHECKPOINT_EVERY_EVENTS) await writeCheckpoint();
    else checkpointTimer ??= setTimeout(() => void writeCheckpoint().catch(() => {}), CHECKPOINT_EVERY_MS);
  };

  const follow = async () => {
    if (!token) await login();
    const url = new URL('/api/v1/events/stream', baseUrl);
    if (types.length) url.searchParams.set('types', types.join(','));
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
    if (position) headers['Last-Event-ID'] = position;
    const response = await fetch(url, { headers, signal });
    if (response.status === 401) {
      token = undefined;
      throw new Error('401 from the feed: logging in again');
    }
    if (!response.ok) throw new Error(`the feed answered ${response.status}: ${await response.text()}`);
    log(`following ${url.pathname} after ${position ?? 'the first event'}`);
    // Messages are handled strictly one after another, in the order they arrive.
    let chain = Promise.resolve();
    const parse = createSseParser((message) => {
      chain = chain.then(() => handle(message));
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      parse(decoder.decode(chunk, { stream: true }));
      await chain;
    }
    await chain;
  };

  let delay = 250;
  try {
    while (!signal?.aborted) {
      try {
        await follow();
        delay = 250; // the server closed the stream (e.g. a restart): reconnect
      } catch (error) {
        if (signal?.aborted) break;
        log(`${error.message}; reconnecting in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  } finally {
    await writeCheckpoint().catch(() => {});
    await ledger.close();
    log(`stopped after ${position}: ${handled} handled, ${skipped} duplicates skipped`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM']) process.once(name, () => controller.abort());
  runBillingConsumer({
    baseUrl: process.env.CHRONICLE_URL ?? 'http://localhost:3000',
    token: process.env.CHRONICLE_TOKEN,
    email: process.env.CHRONICLE_EMAIL,
    password: process.env.CHRONICLE_PASSWORD,
    types: (process.env.EVENT_TYPES ?? BILLING_EVENT_TYPES.join(',')).split(',').map((type) => type.trim()).filter(Boolean),
    checkpointFile: process.env.CHECKPOINT_FILE ?? '.billing-consumer-checkpoint',
    ledgerFile: process.env.LEDGER_FILE ?? 'billing-ledger.jsonl',
    signal: controller.signal,
  }).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
