/**
 * The audit log across customers and admins: who did what, when, from where and why. Every filter
 * lives in the URL (?actorId=&type=&customerId=&partnerId=&from=&to=&cursor=), so a selection can be
 * bookmarked and shared; the same selection downloads as CSV or NDJSON.
 */
import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { api, describeError, ok, type ResponseOf } from '../api/client';
import { session } from '../auth/session';
import { ErrorMessage, Loading, Section, TextField, formatTime } from '../components/ui';

/** The JSON page (the same path answers CSV / NDJSON text for exports). */
type AuditPage = Extract<ResponseOf<'/api/v1/audit/log'>, { items: unknown }>;

const FILTERS = ['actorId', 'type', 'customerId', 'partnerId', 'from', 'to'] as const;
type Filter = (typeof FILTERS)[number];
const PAGE_SIZE = 50;

/** A `datetime-local` value (local time) as ISO, or undefined. */
function iso(value: string | null): string | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

export function AuditLogScreen() {
  const [params, setParams] = useSearchParams();
  const cursor = params.get('cursor') ?? undefined;
  const query: Record<string, string | number | undefined> = {
    actorId: params.get('actorId') || undefined,
    type: params.get('type') || undefined,
    customerId: params.get('customerId') ? Number(params.get('customerId')) : undefined,
    partnerId: params.get('partnerId') || undefined,
    from: iso(params.get('from')),
    to: iso(params.get('to')),
  };
  const page = useQuery({
    queryKey: ['audit-log', query, cursor],
    placeholderData: keepPreviousData,
    queryFn: async (): Promise<AuditPage> => (await ok(api.GET('/api/v1/audit/log', { params: { query: { ...query, cursor, limit: PAGE_SIZE } as never } }))) as AuditPage,
  });
  const [draft, setDraft] = useState<Record<Filter, string>>(() => Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])) as Record<Filter, string>);
  const [exportError, setExportError] = useState<string | null>(null);

  function apply(event: { preventDefault(): void }) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTERS) if (draft[name].trim()) next.set(name, draft[name].trim());
    setParams(next);
  }

  function exportQuery(format: 'csv' | 'ndjson'): string {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
    search.set('format', format);
    return search.toString();
  }

  async function download(format: 'csv' | 'ndjson') {
    setExportError(null);
    // A plain link cannot carry the bearer token: fetch, then hand the file to the browser.
    try {
      const token = await session.validAccessToken();
      const response = await fetch(`/api/v1/audit/log?${exportQuery(format)}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`The export answered ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `audit-log.${format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setExportError(describeError(error));
    }
  }

  const set = (name: Filter) => (event: { target: { value: string } }) => setDraft((current) => ({ ...current, [name]: event.target.value }));
  const items = page.data?.items ?? [];

  return (
    <div className="page">
      <h1>Audit log</h1>
      <Section title="Filters" id="audit-filters">
        <form className="inline-form" onSubmit={apply} aria-label="Filter the audit log">
          <TextField label="Admin id" name="actorId" value={draft.actorId} onChange={set('actorId')} />
          <TextField label="Event types" name="type" hint="Comma separated, e.g. CustomerPasswordRevealed,AdminLoggedIn" value={draft.type} onChange={set('type')} />
          <TextField label="Customer id" name="customerId" inputMode="numeric" value={draft.customerId} onChange={set('customerId')} />
          <TextField label="Partner ids" name="partnerId" hint="Comma separated" value={draft.partnerId} onChange={set('partnerId')} />
          <TextField label="From" type="datetime-local" name="from" value={draft.from} onChange={set('from')} />
          <TextField label="To" type="datetime-local" name="to" value={draft.to} onChange={set('to')} />
          <button type="submit" className="primary">
            Apply
          </button>
        </form>
        <div className="actions">
          <button type="button" onClick={() => void download('csv')}>
            Export (CSV)
          </button>
          <button type="button" onClick={() => void download('ndjson')}>
            Export (NDJSON)
          </button>
        </div>
        {exportError && (
          <p className="error" role="alert">
            {exportError}
          </p>
        )}
      </Section>
      <Section title="Entries, newest first" id="audit-entries">
        {page.isPending ? (
          <Loading what="Loading the audit log" />
        ) : page.isError ? (
          <ErrorMessage error={page.error} retry={() => void page.refetch()} />
        ) : items.length === 0 ? (
          <p className="muted">Nothing matches these filters.</p>
        ) : (
          <div className="table-wrap" role="region" aria-label="Audit log entries" tabIndex={0}>
            <table className="audit-log">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Reason</th>
                  <th scope="col" className="low-value">From</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.position} data-type={item.type}>
                    <td data-label="When">
                      <time dateTime={item.at}>{formatTime(item.at)}</time>
                    </td>
                    <td data-label="Who">{item.actor ? `${item.actor.name} (${item.actor.role})` : '—'}</td>
                    <td data-label="What">
                      {item.summary} <code className="muted">{item.type}</code>
                    </td>
                    <td data-label="Customer">{item.customerId !== undefined ? <Link to={`/customers/${item.customerId}`}>#{item.customerId}</Link> : '—'}</td>
                    <td data-label="Reason">{item.reason ?? '—'}</td>
                    <td data-label="From" className="low-value">{item.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="actions">
          {cursor && (
            <button type="button" onClick={() => setParams((current) => { const next = new URLSearchParams(current); next.delete('cursor'); return next; })}>
              First page
            </button>
          )}
          {page.data?.nextCursor && (
            <button type="button" onClick={() => setParams((current) => { const next = new URLSearchParams(current); next.set('cursor', page.data!.nextCursor!); return next; })}>
              Older entries
            </button>
          )}
        </div>
      </Section>
    </div>
  );
}
