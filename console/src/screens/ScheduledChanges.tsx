/**
 * Scheduled changes: the section on the customer profile (list, schedule, edit the time or reason,
 * cancel) and the Upcoming page (what falls due in the next seven days, across customers).
 */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api, ok, type BodyOf, type ResponseOf } from '../api/client';
import { useAuth } from '../auth/auth';
import { ErrorMessage, Loading, Section, SelectField, STATUS_LABELS, TextField, formatTime } from '../components/ui';
import type { Customer } from '../data/customer';

type Change = ResponseOf<'/api/v1/customers/{id}/scheduled-changes'>['items'][number];
type ScheduleBody = BodyOf<'/api/v1/customers/{id}/scheduled-changes', 'post'>;

const BILLING_TYPE_LABELS: Record<string, string> = { recurring: 'Recurring', prepaid_custom: 'Prepaid (custom)', prepaid_daily: 'Prepaid (daily)' };
const STATE_LABELS: Record<string, string> = { pending: 'Pending', done: 'Done', cancelled: 'Cancelled', failed: 'Failed' };

/** `datetime-local` value (local time) → ISO; '' → undefined. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const time = new Date(local);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** ISO → `datetime-local` value in local time. */
function localOf(iso: string | undefined): string {
  if (!iso) return '';
  const time = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

function describeChange(change: { action: string; status?: string; billingType?: string; until?: string }): string {
  if (change.action === 'billing_type') return `Billing type → ${BILLING_TYPE_LABELS[change.billingType ?? ''] ?? change.billingType}`;
  return `${change.until ? 'Hold: status' : 'Status'} → ${STATUS_LABELS[change.status ?? ''] ?? change.status}`;
}

const scheduledKey = (customerId: number) => ['scheduled-changes', customerId] as const;

export function ScheduledChangesSection({ customer }: { customer: Customer }) {
  const { can } = useAuth();
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: scheduledKey(customer.id),
    queryFn: () => ok(api.GET('/api/v1/customers/{id}/scheduled-changes', { params: { path: { id: customer.id } } })),
  });
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const mayWrite = can('customers.schedule') && !customer.deleted;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: scheduledKey(customer.id) });

  async function run(action: () => Promise<unknown>, done: string) {
    setError(null);
    setMessage('');
    try {
      await action();
      setMessage(done);
      setEditing(null);
      refresh();
    } catch (failure) {
      setError(failure);
    }
  }

  const cancel = (change: Change) =>
    run(() => ok(api.DELETE('/api/v1/customers/{id}/scheduled-changes/{changeId}', { params: { path: { id: customer.id, changeId: change.id } }, body: {} })), 'Scheduled change cancelled.');

  return (
    <Section title="Scheduled changes" id="scheduled-changes">
      {list.isPending && <Loading what="Loading scheduled changes" />}
      {list.isError && <ErrorMessage error={list.error} retry={() => void list.refetch()} />}
      {list.data && list.data.items.length === 0 && <p className="muted">Nothing scheduled.</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="table" aria-label="Scheduled changes">
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">At</th>
              <th scope="col">Until</th>
              <th scope="col">Reason</th>
              <th scope="col">State</th>
              {mayWrite && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((change) => (
              <tr key={change.id}>
                <td>{describeChange(change)}</td>
                <td>{formatTime(change.at)}</td>
                <td>{change.until ? formatTime(change.until) : '—'}</td>
                <td>{change.reason ?? '—'}</td>
                <td>
                  {STATE_LABELS[change.state] ?? change.state}
                  {change.state === 'pending' && change.phase === 'end' && ' (on hold)'}
                  {change.state === 'failed' && change.message && <small className="field-error"> {change.message}</small>}
                </td>
                {mayWrite && (
                  <td>
                    {change.state === 'pending' && (
                      <div className="actions">
                        <button type="button" onClick={() => setEditing(editing === change.id ? null : change.id)}>
                          Edit
                        </button>
                        <button type="button" onClick={() => void cancel(change)}>
                          Cancel
                        </button>
                      </div>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && list.data && (
        <EditForm
          change={list.data.items.find((change) => change.id === editing)!}
          onSubmit={(body) =>
            run(() => ok(api.PATCH('/api/v1/customers/{id}/scheduled-changes/{changeId}', { params: { path: { id: customer.id, changeId: editing } }, body })), 'Scheduled change saved.')
          }
        />
      )}
      {mayWrite && <ScheduleForm onSubmit={(body) => run(() => ok(api.POST('/api/v1/customers/{id}/scheduled-changes', { params: { path: { id: customer.id } }, body })), 'Change scheduled.')} />}
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </Section>
  );
}

function ScheduleForm({ onSubmit }: { onSubmit: (body: ScheduleBody) => Promise<void> }) {
  const [action, setAction] = useState<'status' | 'billing_type'>('status');
  const [target, setTarget] = useState('blocked');
  const [at, setAt] = useState('');
  const [until, setUntil] = useState('');
  const [reason, setReason] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = {
      action,
      ...(action === 'status' ? { status: target as 'blocked' } : { billingType: target as 'recurring' }),
      at: isoOf(at) ?? '',
      ...(action === 'status' && isoOf(until) ? { until: isoOf(until) } : {}),
      ...(reason ? { reason } : {}),
    } as ScheduleBody;
    void onSubmit(body).then(() => {
      setAt('');
      setUntil('');
      setReason('');
    });
  };
  const targets = action === 'status' ? ['active', 'blocked', 'inactive'] : Object.keys(BILLING_TYPE_LABELS);
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Schedule a change">
      <SelectField
        label="Schedule"
        name="action"
        value={action}
        onChange={(event) => {
          const next = event.target.value as 'status' | 'billing_type';
          setAction(next);
          setTarget(next === 'status' ? 'blocked' : 'recurring');
        }}
      >
        <option value="status">Status change</option>
        <option value="billing_type">Billing-type change</option>
      </SelectField>
      <SelectField label="To" name="target" value={target} onChange={(event) => setTarget(event.target.value)}>
        {targets.map((value) => (
          <option key={value} value={value}>
            {STATUS_LABELS[value] ?? BILLING_TYPE_LABELS[value]}
          </option>
        ))}
      </SelectField>
      <TextField label="At (your local time)" type="datetime-local" name="at" required value={at} onChange={(event) => setAt(event.target.value)} />
      {action === 'status' && (
        <TextField label="Until (a hold, optional)" type="datetime-local" name="until" value={until} onChange={(event) => setUntil(event.target.value)} />
      )}
      <TextField label="Reason (optional)" name="reason" value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
      <button type="submit" disabled={!at}>
        Schedule
      </button>
    </form>
  );
}

function EditForm({ change, onSubmit }: { change: Change; onSubmit: (body: BodyOf<'/api/v1/customers/{id}/scheduled-changes/{changeId}', 'patch'>) => Promise<void> }) {
  const started = change.phase === 'end';
  const [at, setAt] = useState(localOf(change.at));
  const [until, setUntil] = useState(localOf(change.until));
  const [reason, setReason] = useState(change.reason ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void onSubmit({
      ...(!started && isoOf(at) && isoOf(at) !== change.at ? { at: isoOf(at) } : {}),
      ...(change.action === 'status' && isoOf(until) !== change.until ? { until: isoOf(until) ?? null } : {}),
      reason: reason || null,
    });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Edit the scheduled change">
      {!started && <TextField label="At (your local time)" type="datetime-local" name="edit-at" value={at} onChange={(event) => setAt(event.target.value)} />}
      {change.action === 'status' && (
        <TextField label="Until" type="datetime-local" name="edit-until" value={until} onChange={(event) => setUntil(event.target.value)} />
      )}
      <TextField label="Reason" name="edit-reason" value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
      <button type="submit">Save</button>
    </form>
  );
}

/** What happens next week: every phase of a scheduled change falling due in the next seven days. */
export function UpcomingScreen() {
  const [from] = useState(() => new Date().toISOString());
  const to = new Date(new Date(from).getTime() + 7 * 86_400_000).toISOString();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const page = useQuery({
    queryKey: ['upcoming', from, cursor],
    queryFn: () => ok(api.GET('/api/v1/scheduled-changes', { params: { query: { from, to, state: 'pending', limit: 100, ...(cursor ? { cursor } : {}) } } })),
  });
  return (
    <div className="page">
      <h1>Upcoming</h1>
      <p className="muted">
        Scheduled changes falling due from {formatTime(from)} to {formatTime(to)}.
      </p>
      {page.isPending && <Loading what="Loading what is scheduled" />}
      {page.isError && <ErrorMessage error={page.error} retry={() => void page.refetch()} />}
      {page.data && page.data.items.length === 0 && <p>Nothing is scheduled for the next seven days.</p>}
      {page.data && page.data.items.length > 0 && (
        <table className="table" aria-label="Upcoming scheduled changes">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Customer</th>
              <th scope="col">Change</th>
              <th scope="col">Reason</th>
              <th scope="col">Scheduled by</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((item) => (
              <tr key={`${item.id}:${item.duePhase}`}>
                <td>{formatTime(item.dueAt)}</td>
                <td>
                  <Link to={`/customers/${item.customerId}`}>#{item.customerId}</Link>
                </td>
                <td>{item.duePhase === 'end' ? `End of the hold (back to the previous status)` : describeChange(item)}</td>
                <td>{item.reason ?? '—'}</td>
                <td>{item.scheduledBy?.name ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.data?.nextCursor && (
        <button type="button" onClick={() => setCursor(page.data.nextCursor ?? undefined)}>
          Next page
        </button>
      )}
    </div>
  );
}
