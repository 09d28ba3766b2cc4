/** A customer's timeline: the stored entries, then live ones over Socket.IO as other admins act. */
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, describeError, ok, type ResponseOf } from '../api/client';
import { useActivityFeed, type LiveState, type TimelineEntry } from '../live/activity';
import { ErrorMessage, Loading, formatTime } from './ui';

type ActivityPage = ResponseOf<'/api/v1/customers/{id}/activity'>;

const LIVE_LABELS: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', failed: 'Live updates unavailable' };

export function Timeline({ customerId, onLiveEvent, canRevert = false }: { customerId: number; onLiveEvent?: (entry: TimelineEntry) => void; canRevert?: boolean }) {
  const [revertMessage, setRevertMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // Revert: compensating events decided by the server; the live feed then shows them (and the profile reloads).
  async function revert(revision: number) {
    setRevertMessage(null);
    try {
      const answer = await ok(api.POST('/api/v1/customers/{id}/revert', { params: { path: { id: customerId } }, body: { revision } }));
      setRevertMessage({ ok: true, text: `Revision ${revision} reverted (now revision ${answer.revision}).` });
    } catch (error) {
      setRevertMessage({ ok: false, text: describeError(error) });
    }
  }
  const stored = useQuery({
    queryKey: ['activity', customerId],
    staleTime: Infinity,
    queryFn: (): Promise<ActivityPage> => ok(api.GET('/api/v1/customers/{id}/activity', { params: { path: { id: customerId }, query: { limit: 50 } as never } })),
  });
  const [live, setLive] = useState<TimelineEntry[]>([]);
  const storedItems = (stored.data?.items ?? []) as TimelineEntry[];
  // Resume from the newest stored entry; the feed then delivers what came after it, then live ones.
  const after = stored.isSuccess ? (storedItems[0]?.position ?? null) : undefined;
  const state = useActivityFeed(customerId, after, (entry) => {
    setLive((previous) => [entry, ...previous]);
    onLiveEvent?.(entry);
  });
  const known = new Set(storedItems.map((entry) => entry.position));
  const entries = [...live.filter((entry) => !known.has(entry.position)), ...storedItems];

  return (
    <section className="card timeline" aria-labelledby="timeline-title">
      <header className="card-header">
        <h2 id="timeline-title">Timeline</h2>
        <span className={`live-state live-${state}`} role="status">
          {LIVE_LABELS[state]}
        </span>
      </header>
      {stored.isPending ? (
        <Loading what="Loading the timeline" />
      ) : stored.isError ? (
        <ErrorMessage error={stored.error} retry={() => void stored.refetch()} />
      ) : (
        <>
          {revertMessage && (
            <p className={revertMessage.ok ? 'success' : 'error'} role={revertMessage.ok ? 'status' : 'alert'}>
              {revertMessage.text}
            </p>
          )}
          <TimelineList entries={entries} onRevert={canRevert ? (revision) => void revert(revision) : undefined} />
        </>
      )}
    </section>
  );
}

export function TimelineList({
  entries,
  showCustomer = false,
  onRevert,
}: {
  entries: (TimelineEntry & { customerId?: number })[];
  showCustomer?: boolean;
  /** Offers a Revert button on each entry the server says can be reverted (`revertible`). */
  onRevert?: (revision: number) => void;
}) {
  if (entries.length === 0) return <p className="muted">Nothing happened yet.</p>;
  return (
    <ol className="entries" aria-label="Events, newest first">
      {entries.map((entry) => (
        <li key={entry.position} data-revision={entry.revision}>
          <p className="summary">{entry.summary}</p>
          <p className="meta">
            <time dateTime={entry.at}>{formatTime(entry.at)}</time>
            {showCustomer && entry.customerId !== undefined ? <> · customer {entry.customerId}</> : null} · revision {entry.revision}
            {entry.revertedRevision !== undefined ? <> · reverts revision {entry.revertedRevision}</> : null}
          </p>
          {entry.reason ? <p className="reason">Reason: {entry.reason}</p> : null}
          {entry.changes?.length > 0 && (
            <ul className="changes">
              {entry.changes.map((change: { field: string; from: unknown; to: unknown }) => (
                <li key={change.field}>
                  <code>{change.field}</code>: {show(change.from)} → {show(change.to)}
                </li>
              ))}
            </ul>
          )}
          {onRevert && entry.revertible && (
            <button type="button" className="small" onClick={() => onRevert(entry.revision)} aria-label={`Revert revision ${entry.revision}: ${entry.summary}`}>
              Revert
            </button>
          )}
        </li>
      ))}
    </ol>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
