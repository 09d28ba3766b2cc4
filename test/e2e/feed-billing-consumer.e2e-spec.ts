/**
 * The example billing consumer (examples/billing-consumer/consumer.mjs) as a real child process
 * following the SSE feed: killed with SIGKILL in the middle of a burst of 1,000 events and
 * restarted, it ends with every one of the 1,000 events in its ledger exactly once, in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCustomer, eventually, newCustomerId, paymentEvent, startLiveApp, visibleEventsOf, type LiveApp } from './live-feed-support.js';

const CONSUMER = resolve(process.cwd(), 'examples/billing-consumer/consumer.mjs');

interface LedgerLine {
  id: string;
  position: string;
  type: string;
  amount: string;
}

describe('example billing consumer', () => {
  let live: LiveApp;
  let dir: string;
  const children = new Set<ChildProcess>();

  const ledgerFile = () => join(dir, 'ledger.jsonl');
  const checkpointFile = () => join(dir, 'checkpoint.json');
  const ledger = (): LedgerLine[] =>
    existsSync(ledgerFile())
      ? readFileSync(ledgerFile(), 'utf8')
          .split('\n')
          .filter((line) => line.endsWith('}'))
          .map((line) => JSON.parse(line))
      : [];

  function startConsumer(token: string): { child: ChildProcess; output: string[] } {
    const output: string[] = [];
    const child = spawn(process.execPath, [CONSUMER], {
      env: {
        PATH: process.env.PATH,
        CHRONICLE_URL: live.url,
        CHRONICLE_TOKEN: token,
        EVENT_TYPES: 'PaymentRecorded',
        CHECKPOINT_FILE: checkpointFile(),
        LEDGER_FILE: ledgerFile(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    return { child, output };
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolveExit) => (child.exitCode !== null || child.signalCode !== null ? resolveExit(child.exitCode) : child.once('exit', (code) => resolveExit(code))));

  beforeAll(async () => {
    live = await startLiveApp();
    dir = mkdtempSync(join(tmpdir(), 'billing-consumer-'));
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await live?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('killed (SIGKILL) in the middle of a burst of 1,000 events and restarted, it ends with all 1,000 exactly once', async () => {
    const token = await live.adminToken();
    const customers = Array.from({ length: 10 }, () => newCustomerId());
    for (const customerId of customers) await createCustomer(live.store, customerId);

    const first = startConsumer(token);
    await eventually(() => first.output.join('').includes('following'), 'the consumer to connect');

    const appended: string[] = [];
    const burst = async (count: number) => {
      for (let index = 0; index < count; index += 10) {
        // Ten writers at a time, each on its own customer.
        const batch = customers.map((customerId) => paymentEvent(customerId, 1 + (index % 7) / 4, index));
        appended.push(...batch.map((event) => event.id!));
        await Promise.all(batch.map((event, slot) => live.store.append(`customer-${customers[slot]}`, [event])));
      }
    };

    // First half of the burst; kill the consumer while it is busy with it.
    const firstHalf = burst(500);
    await eventually(() => ledger().length >= 150, 'the consumer to handle 150 events', 30_000);
    first.child.kill('SIGKILL');
    await exited(first.child);
    const atKill = ledger().length;
    expect(atKill).toBeLessThan(1000);
    // Where it must resume: after the last complete ledger line (a half-written one is redone).
    const text = readFileSync(ledgerFile(), 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n')).split('\n');
    const resumeAfter = (JSON.parse(complete[complete.length - 1]) as LedgerLine).position;
    await firstHalf;

    // Second half while it is down, then restart: it resumes from its checkpoint / ledger.
    const secondHalf = burst(500);
    const second = startConsumer(token);
    await secondHalf;
    expect(appended).toHaveLength(1000);

    const stored = (await visibleEventsOf(live.store, customers, 1010)).filter((event) => event.type === 'PaymentRecorded');
    const lastPosition = stored[stored.length - 1].position;
    await eventually(() => {
      const lines = ledger();
      return lines.length >= 1000 && lines[lines.length - 1].position === lastPosition;
    }, 'the ledger to reach the last event', 60_000);
    // Let the consumer checkpoint and stop, then look at what it did.
    await eventually(() => {
      try {
        return JSON.parse(readFileSync(checkpointFile(), 'utf8')).position === lastPosition;
      } catch {
        return false;
      }
    }, 'the checkpoint to reach the last event');
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);

    const lines = ledger();
    expect(lines).toHaveLength(1000);
    expect(new Set(lines.map((line) => line.id)).size).toBe(1000);
    expect(new Set(lines.map((line) => line.id))).toEqual(new Set(appended));
    expect(lines.map((line) => line.id)).toEqual(stored.map((event) => event.id));
    expect(lines.every((line) => line.type === 'PaymentRecorded' && /^\d+\.\d{2,6}$/.test(line.amount))).toBe(true);
    expect(second.output.join('')).toContain(`following /api/v1/events/stream after ${resumeAfter}`);
  }, 180_000);

  it('skips an event delivered twice: dedupe by event id', async () => {
    // Rewind the checkpoint by ten events whose ids it remembers, and start a fresh ledger, so
    // nothing but the ids tells the consumer it has handled them already.
    const lines = ledger();
    renameSync(ledgerFile(), join(dir, 'ledger-before.jsonl'));
    writeFileSync(checkpointFile(), JSON.stringify({ position: lines[989].position, recentIds: lines.slice(990).map((line) => line.id) }));
    const customerId = newCustomerId();
    await createCustomer(live.store, customerId);
    const consumer = startConsumer(await live.adminToken());
    await eventually(() => consumer.output.join('').includes('following'), 'the consumer to connect');
    const extra = paymentEvent(customerId, 3, 0);
    await live.store.append(`customer-${customerId}`, [extra]);
    await eventually(() => ledger().length === 1, 'the new event in the ledger', 30_000);
    consumer.child.kill('SIGTERM');
    expect(await exited(consumer.child)).toBe(0);
    expect(ledger().map((line) => line.id)).toEqual([extra.id]);
    expect(consumer.output.join('')).toContain('1 handled, 10 duplicates skipped');
  }, 60_000);
});
