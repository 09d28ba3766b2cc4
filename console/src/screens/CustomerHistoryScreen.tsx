/**
 * Time travel and audit of one customer: a slider over the stream's revisions (or a date picker) shows
 * the customer as it was, the fields changed by that revision highlighted; the hash-chain
 * verification; export of the whole stream.
 */
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, describeError, ok, type ResponseOf } from '../api/client';
import { session } from '../auth/session';
import { ErrorMessage, Loading, Section, TextField, formatTime } from '../components/ui';
import { useCustomer } from '../data/customer';

type State = ResponseOf<'/api/v1/customers/{id}/state'>;
type Verification = ResponseOf<'/api/v1/customers/{id}/audit/verify'>;
type ActivityPage = ResponseOf<'/api/v1/customers/{id}/activity'>;

/** Bookkeeping fields of the read model that say nothing about the customer. */
const IGNORED = new Set(['revision', 'position', 'updatedAt', 'alerts', 'additionalFieldLabels']);

/** Flattens an object into path → printable value (arrays of scalars joined, objects by their keys). */
export function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) if (!(prefix === '' && IGNORED.has(key))) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else if (Array.isArray(value)) {
    into.set(prefix, value.every((item) => item === null || typeof item !== 'object') ? value.join(', ') : `${value.length} item(s): ${JSON.stringify(value)}`);
  } else into.set(prefix, value === null || value === undefined ? '' : String(value));
  return into;
}

export function CustomerHistoryScreen() {
  const id = Number(useParams().id);
  const [params, setParams] = useSearchParams();
  const current = useCustomer(id);
  const head = current.data?.customer.revision as number | undefined;
  const revision = params.get('revision') !== null ? Number(params.get('revision')) : head;
  const state = useQuery({
    queryKey: ['state', id, revision],
    enabled: revision !== undefined,
    queryFn: (): Promise<State> => ok(api.GET('/api/v1/customers/{id}/state', { params: { path: { id }, query: { revision } as never } })),
  });
  const previous = useQuery({
    queryKey: ['state', id, (revision ?? 0) - 1],
    enabled: revision !== undefined && revision > 0,
    queryFn: (): Promise<State> => ok(api.GET('/api/v1/customers/{id}/state', { params: { path: { id }, query: { revision: (revision ?? 1) - 1 } as never } })),
  });
  const activity = useQuery({
    queryKey: ['activity-all', id],
    queryFn: (): Promise<ActivityPage> => ok(api.GET('/api/v1/customers/{id}/activity', { params: { path: { id }, query: { limit: 200 } as never } })),
  });
  const [asOf, setAsOf] = useState('');
  const [asOfError, setAsOfError] = useState<unknown>(null);

  if (current.isPending) return <Loading what="Loading the customer" />;
  if (current.isError) return <ErrorMessage error={current.error} />;
  const customer = current.data.customer;
  const entry = ((activity.data?.items ?? []) as { revision: number; summary: string; at: string; position: string }[]).find((item) => item.revision === revision);

  async function goToTime() {
    setAsOfError(null);
    try {
      const at = new Date(asOf).toISOString();
      const then = await ok(api.GET('/api/v1/customers/{id}/state', { params: { path: { id }, query: { asOf: at } as never } }));
      setParams({ revision: String(then.revision) });
    } catch (error) {
      setAsOfError(error);
    }
  }

  const now = state.data ? flatten(state.data) : new Map<string, string>();
  const before = revision === 0 ? new Map<string, string>() : previous.data ? flatten(previous.data) : undefined;
  const changed = new Set([...now.keys()].filter((key) => before !== undefined && before.get(key) !== now.get(key)));

  return (
    <div className="page">
      <p className="crumbs">
        <Link to={`/customers/${id}`}>← {customer.fullName}</Link>
      </p>
      <h1>History of {customer.fullName}</h1>
      <Section title="Time travel" id="time-travel">
        <div className="inline-form">
          <div className="field slider">
            <label htmlFor="revision-slider">Revision</label>
            <input
              id="revision-slider"
              type="range"
              min={0}
              max={head}
              step={1}
              value={revision ?? 0}
              aria-valuetext={`Revision ${revision} of ${head}`}
              onChange={(event) => setParams({ revision: event.target.value }, { replace: true })}
            />
          </div>
          <p className="revision-shown" aria-live="polite">
            Revision <strong>{revision}</strong> of {head}
            {revision === head ? ' (now)' : ''}
          </p>
          <TextField label="As of (your local time)" type="datetime-local" name="asOf" value={asOf} onChange={(event) => setAsOf(event.target.value)} />
          <button type="button" disabled={!asOf} onClick={() => void goToTime()}>
            Show as of then
          </button>
        </div>
        {asOfError !== null && <ErrorMessage error={asOfError} />}
        {entry && (
          <p className="what-happened">
            <strong>{entry.summary}</strong> <span className="muted">({formatTime(entry.at)})</span>
          </p>
        )}
      </Section>
      <Section title={`The customer at revision ${revision}`} id="state">
        {state.isPending ? (
          <Loading what="Loading that revision" />
        ) : state.isError ? (
          <ErrorMessage error={state.error} retry={() => void state.refetch()} />
        ) : (
          <>
            <p className="muted">
              {changed.size === 0 ? 'Nothing shown here changed at this revision.' : `${changed.size} field(s) changed at this revision, marked “changed”.`}
            </p>
            <div className="table-wrap" role="region" aria-label="Fields at this revision" tabIndex={0}>
              <table className="state">
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">Value</th>
                    <th scope="col">Before</th>
                  </tr>
                </thead>
                <tbody>
                  {[...now].map(([field, value]) => (
                    <tr key={field} className={changed.has(field) ? 'changed' : undefined} data-field={field}>
                      <th scope="row">
                        <code>{field}</code> {changed.has(field) && <span className="badge changed-badge">changed</span>}
                      </th>
                      <td>{value || '—'}</td>
                      <td>{changed.has(field) ? before?.get(field) || '—' : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Section>
      <AuditSection customerId={id} />
    </div>
  );
}

function AuditSection({ customerId }: { customerId: number }) {
  const verify = useQuery({
    queryKey: ['verify', customerId],
    queryFn: (): Promise<Verification> => ok(api.GET('/api/v1/customers/{id}/audit/verify', { params: { path: { id: customerId } } })),
  });
  const [exportError, setExportError] = useState<string | null>(null);

  async function download(format: 'json' | 'ndjson') {
    setExportError(null);
    // A plain link cannot carry the bearer token: fetch, then hand the file to the browser.
    try {
      const token = await session.validAccessToken();
      const response = await fetch(`/api/v1/customers/${customerId}/audit/export?format=${format}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`The export answered ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `customer-${customerId}-audit.${format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setExportError(describeError(error));
    }
  }

  const result = verify.data;
  return (
    <Section title="Audit" id="audit">
      {verify.isPending ? (
        <Loading what="Verifying the hash chain" />
      ) : verify.isError || !result ? (
        <ErrorMessage error={verify.error} retry={() => void verify.refetch()} />
      ) : (
        <div className={result.verified ? 'verified' : 'error'} role="status">
          <p>
            {result.verified ? '✔ Hash chain verified' : `✘ Hash chain broken at revision ${result.firstBrokenRevision}: ${result.reason ?? result.reasonCode}`}: {result.events} event(s), {result.chained}{' '}
            chained, {result.unchained} from before the chain.
          </p>
          <p className="muted">
            Head hash <code className="hash">{result.headHash}</code>
          </p>
          <p className="muted" data-testid="anchor-status">
            {result.anchor
              ? `Anchor #${result.anchor.sequence} (${new Date(result.anchor.anchoredAt).toLocaleString()}) recorded revision ${result.anchor.revision}; root `
              : 'Not anchored yet: the next anchor records this stream’s head.'}
            {result.anchor ? <code className="hash">{result.anchor.root}</code> : null}
          </p>
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={() => void verify.refetch()}>
          Verify again
        </button>
        <button type="button" onClick={() => void download('json')}>
          Export (JSON)
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
  );
}
