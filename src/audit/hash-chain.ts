import { createHash } from 'node:crypto';

/**
 * Tamper evidence of a stream: each event appended through runCommand carries in its metadata
 * `chain: {prev, hash}`, where `prev` is the hash of the stream's previous event (null for the
 * first one, or after events written before the chain existed) and `hash` is the sha256 of the
 * canonical JSON of {streamId, revision, type, schemaVersion, data, metadata without chain, prev}.
 * Changing, removing or reordering a stored event breaks its hash or the next event's `prev`.
 * Cutting off the stream's tail leaves a valid shorter chain: the anchors (anchors/, anchor-check.ts)
 * record every stream's head, and a stream that ends before its anchored head is reported.
 */

/** Metadata key of the chain link. */
export const CHAIN_METADATA_KEY = 'chain';

export interface ChainLink {
  prev: string | null;
  hash: string;
}

export interface ChainedEventInput {
  streamId: string;
  revision: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  /** The event's metadata; a `chain` key in it is ignored. */
  metadata: Record<string, unknown> | undefined;
}

/**
 * JSON with object keys sorted (by UTF-16 code units), no whitespace, and what JSON.stringify
 * drops dropped the same way (undefined / function properties; in arrays they become null).
 * Stable across a PostgreSQL jsonb round trip, which reorders keys.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) ?? 'null';
}

function canonical(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonical((value as { toJSON: () => unknown }).toJSON());
  }
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonical(item) ?? 'null').join(',')}]`;
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const encoded = canonical(record[key]);
        if (encoded !== undefined) parts.push(`${JSON.stringify(key)}:${encoded}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

/** The metadata as hashed: without its chain link. */
export function withoutChain(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  const { [CHAIN_METADATA_KEY]: _chain, ...rest } = metadata ?? {};
  return rest;
}

/** The hash of one event given the hash of the previous one (one sha256). */
export function chainHash(event: ChainedEventInput, prev: string | null): string {
  const payload = canonicalJson({
    streamId: event.streamId,
    revision: event.revision,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: withoutChain(event.metadata),
    prev,
  });
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}

/** The chain link an event's metadata carries, or undefined when it has none (or a malformed one). */
export function chainOf(metadata: Record<string, unknown> | undefined): ChainLink | undefined {
  const link = metadata?.[CHAIN_METADATA_KEY];
  if (!link || typeof link !== 'object') return undefined;
  const { prev, hash } = link as Record<string, unknown>;
  if (typeof hash !== 'string' || (prev !== null && typeof prev !== 'string')) return undefined;
  return { prev, hash };
}

/** The `prev` for an event appended after `last` (the stream's current last event, if any). */
export function headOf(last: { metadata: Record<string, unknown> | undefined } | undefined): string | null {
  return last ? (chainOf(last.metadata)?.hash ?? null) : null;
}

/**
 * Chains events about to be appended at revisions `firstRevision`, `firstRevision + 1`, …
 * after an event whose hash is `prev`. Returns copies whose metadata carries the link.
 */
export function linkEvents<E extends { type: string; schemaVersion?: number; data: unknown; metadata?: Record<string, unknown> }>(
  streamId: string,
  firstRevision: number,
  prev: string | null,
  events: readonly E[],
): E[] {
  let previous = prev;
  return events.map((event, index) => {
    const metadata = withoutChain(event.metadata);
    const hash = chainHash(
      { streamId, revision: firstRevision + index, type: event.type, schemaVersion: event.schemaVersion ?? 1, data: event.data, metadata },
      previous,
    );
    const linked = { ...event, metadata: { ...metadata, [CHAIN_METADATA_KEY]: { prev: previous, hash } } };
    previous = hash;
    return linked;
  });
}

export type ChainBreak = 'hash_mismatch' | 'prev_mismatch' | 'chain_missing' | 'revision_gap';

export interface ChainVerification {
  verified: boolean;
  /** Events read. */
  events: number;
  /** Events that carry a link. */
  chained: number;
  /** Events written before the chain existed (no link, before the first linked one): reported, not failed. */
  unchained: number;
  /** Hash of the last event (null when it has none). */
  headHash: string | null;
  firstBrokenRevision?: number;
  reason?: ChainBreak;
}

export const CHAIN_BREAK_REASONS: Readonly<Record<ChainBreak, string>> = {
  hash_mismatch: 'the event does not match its recorded hash (changed after it was written)',
  prev_mismatch: 'the event does not follow the previous event (one was changed, removed or reordered)',
  chain_missing: 'the event has no chain link although an earlier one has (link removed)',
  revision_gap: 'the stream skips a revision (an event was removed)',
};

/**
 * Recomputes the chain over a stream's events in revision order. An unlinked event is accepted
 * only before the first linked one (history older than the chain); from then on every event must
 * be linked, follow its predecessor and match its hash.
 */
export function verifyChain(
  events: readonly { streamId: string; revision: number; type: string; schemaVersion: number; data: unknown; metadata: Record<string, unknown> }[],
): ChainVerification {
  let chained = 0;
  let unchained = 0;
  let previousHash: string | null = null;
  let seenLink = false;
  let expectedRevision = 0;
  const broken = (revision: number, reason: ChainBreak): ChainVerification => ({
    verified: false,
    events: events.length,
    chained,
    unchained,
    headHash: headOf(events[events.length - 1]),
    firstBrokenRevision: revision,
    reason,
  });
  for (const event of events) {
    if (event.revision !== expectedRevision) return broken(event.revision, 'revision_gap');
    expectedRevision = event.revision + 1;
    const link = chainOf(event.metadata);
    if (!link) {
      if (seenLink) return broken(event.revision, 'chain_missing');
      unchained++;
      previousHash = null;
      continue;
    }
    seenLink = true;
    if (link.prev !== previousHash) return broken(event.revision, 'prev_mismatch');
    if (chainHash(event, link.prev) !== link.hash) return broken(event.revision, 'hash_mismatch');
    chained++;
    previousHash = link.hash;
  }
  return { verified: true, events: events.length, chained, unchained, headHash: previousHash };
}
