import { randomUUID } from 'node:crypto';
import { now, Samples } from './common.js';

export interface LoadResult {
  operations: number;
  events: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latency: Samples;
}

/**
 * Closed loop: `writers` concurrent loops each run `operation` back to back for `durationMs`
 * (after `warmupMs` not counted). `operation` returns how many events it wrote. Bounded by time
 * and by `maxOperations` per writer.
 */
export async function closedLoop(options: {
  writers: number;
  durationMs: number;
  warmupMs?: number;
  maxOperationsPerWriter?: number;
  operation: (writer: number, iteration: number) => Promise<number>;
}): Promise<LoadResult> {
  const latency = new Samples();
  let operations = 0;
  let events = 0;
  let errors = 0;
  let firstError: string | undefined;
  const warmupMs = options.warmupMs ?? 0;
  const startedAt = now();
  const measureFrom = startedAt + warmupMs;
  const stopAt = measureFrom + options.durationMs;
  const limit = options.maxOperationsPerWriter ?? Number.MAX_SAFE_INTEGER;
  let measuredStart = Infinity;
  let measuredEnd = 0;
  await Promise.all(
    Array.from({ length: options.writers }, async (_, writer) => {
      for (let iteration = 0; iteration < limit; iteration++) {
        const t0 = now();
        if (t0 >= stopAt) break;
        let written = 0;
        try {
          written = await options.operation(writer, iteration);
        } catch (error) {
          errors++;
          firstError ??= (error as Error)?.message ?? String(error);
          if (errors > 1000) throw error;
          continue;
        }
        const t1 = now();
        if (t0 >= measureFrom) {
          measuredStart = Math.min(measuredStart, t0);
          measuredEnd = Math.max(measuredEnd, t1);
          latency.add(t1 - t0);
          operations++;
          events += written;
        }
      }
    }),
  );
  return { operations, events, errors, firstError, elapsedMs: Math.max(1, measuredEnd - measuredStart), latency };
}

/** A realistic customer event: a comment added by an admin, with the full metadata envelope. */
export function commentEvent(customerId: number, sequence: number) {
  const at = new Date().toISOString();
  return {
    id: randomUUID(),
    type: 'CustomerCommentAdded',
    data: {
      customerId,
      at,
      commentId: randomUUID(),
      text: `Called about the invoice of ${at.slice(0, 10)}; promised to pay by Friday. Router rebooted remotely, signal OK (${sequence}).`,
      type: 'comment',
      pinned: false,
      author: { id: 'admin-1', name: 'Alice Admin' },
    },
    metadata: {
      actor: { id: 'admin-1', name: 'Alice Admin', role: 'support' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      ip: '10.0.0.17',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) ChronicleAdmin/1.0',
      occurredAt: at,
    },
  };
}
