/** A customer's timeline: the stored entries, then live ones over Socket.IO as other admins act. */
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';
import { useActivityFeed, type LiveState, type TimelineEntry } from '../live/activity';
import { ErrorMessage, Loading, formatTime } from './ui';

type ActivityPage = ResponseOf<'/api/v1/customers/{id}/activity'>;

const LIVE_LABELS: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', failed: 'Live updates unavailable' };

export function Timeline({ customerId, onLiveEvent }: { customerId: number; onLiveEvent?: (entry: TimelineEntry) => void }) {
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
        <TimelineList entries={entries} />
      )}
    </section>
  );
}

export function TimelineList({ entries, showCustomer = false }: { entries: (TimelineEntry & { customerId?: number })[]; showCustomer?: boolean }) {
  if (entries.length === 0) return <p className="muted">Nothing happened yet.</p>;
  return (
    <ol className="entries" aria-label="Events, newest first">
      {entries.map((entry) => (
        <li key={entry.position} data-revision={entry.revision}>
          <p className="summary">{entry.summary}</p>
          <p className="meta">
            <time dateTime={entry.at}>{formatTime(entry.at)}</time>
            {showCustomer && entry.customerId !== undefined ? <> · customer {entry.customerId}</> : null} · revision {entry.revision}
          </p>
          {entry.changes?.length > 0 && (
            <ul className="changes">
              {entry.changes.map((change: { field: string; from: unknown; to: unknown }) => (
                <li key={change.field}>
                  <code>{change.field}</code>: {show(change.from)} → {show(change.to)}
                </li>
              ))}
            </ul>
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
