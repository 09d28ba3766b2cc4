/**
 * Customer profile: every section of the read model, edits with If-Match (412 offers a reload, 422
 * shows each message by its field), status actions limited to the allowed transitions, the pop-up
 * note alert, and the live timeline.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api, describeError, ok, type BodyOf } from '../api/client';
import { useAuth } from '../auth/auth';
import { Timeline } from '../components/Timeline';
import { ErrorMessage, Facts, Loading, Section, SelectField, STATUS_LABELS, StatusBadge, TextField, formatMoney, formatTime } from '../components/ui';
import { useCustomer, type Customer } from '../data/customer';
import { namesById, useLocations, usePartners } from '../data/reference';
import { allowedStatusChanges } from '../domain/status';
import { ScheduledChangesSection } from './ScheduledChanges';

type PatchBody = BodyOf<'/api/v1/customers/{id}', 'patch'>;

export function CustomerProfileScreen() {
  const id = Number(useParams().id);
  const profile = useCustomer(id);
  const { can } = useAuth();
  const partners = namesById(usePartners().data);
  const locations = namesById(useLocations().data);

  if (!Number.isInteger(id) || id < 1) return <ErrorMessage error={new Error('There is no customer with this number.')} />;
  if (profile.isPending) return <Loading what="Loading the customer" />;
  if (profile.isError)
    return (
      <div className="page">
        <p>
          <Link to="/customers">← Customers</Link>
        </p>
        <ErrorMessage error={profile.error} retry={profile.error instanceof ApiError && profile.error.status === 404 ? undefined : () => void profile.refetch()} />
      </div>
    );
  const { customer, etag } = profile.data;

  return (
    <div className="page profile">
      <p className="crumbs">
        <Link to="/customers">← Customers</Link>
      </p>
      <header className="profile-header">
        <h1>{customer.fullName}</h1>
        <StatusBadge status={customer.status} />
        {customer.isLead && <span className="badge">Lead</span>}
        {customer.deleted && <span className="badge status-inactive">Deleted</span>}
        {customer.personalDataErasedAt && <span className="badge">Personal data erased</span>}
        <span className="muted">
          #{customer.id} · login {customer.login} · revision {customer.revision}
        </span>
        {can('audit.read') && <Link to={`/customers/${customer.id}/history`}>History and audit</Link>}
      </header>
      <PopupNotes customer={customer} />
      <div className="profile-grid">
        <div className="profile-main">
          <StatusActions customer={customer} onDone={(position) => void profile.reloadAt(position)} />
          <ScheduledChangesSection customer={customer} />
          <MainInfo customer={customer} etag={etag} partners={partners} locations={locations} reloadAt={profile.reloadAt} />
          <VoipSection customer={customer} />
          <BillingSection customer={customer} />
          <AdditionalFields customer={customer} />
          <BalanceSection customer={customer} />
          <CommentsAndNotes customer={customer} onDone={(position) => void profile.reloadAt(position)} />
          <CapSection customer={customer} />
          <ListsSection customer={customer} />
          <EraseSection customer={customer} onDone={(position) => void profile.reloadAt(position)} />
        </div>
        <aside className="profile-side" aria-label="Timeline">
          <Timeline
            customerId={customer.id}
            canRevert={can('customers.revert') && !customer.deleted}
            onLiveEvent={(entry) => {
              // Another admin (or this one) changed the customer: show the new state, read at the
              // event's position (the profile is a projection that may not have caught up yet).
              void profile.reloadAt(entry.position);
            }}
          />
        </aside>
      </div>
    </div>
  );
}

/** The pop-up notes open as an alert dialog when the profile opens (once per visit). */
function PopupNotes({ customer }: { customer: Customer }) {
  const alerts = ((customer.alerts ?? customer.notes?.filter((note: { popup?: boolean }) => note.popup) ?? []) as { id: string; text: string; kind: string; author?: { name?: string }; at: string }[]);
  const dialog = useRef<HTMLDialogElement>(null);
  const [dismissed, setDismissed] = useState(false);
  useEffect(() => {
    if (alerts.length > 0 && !dismissed && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [alerts.length, dismissed]);
  if (alerts.length === 0) return null;
  return (
    <dialog ref={dialog} role="alertdialog" aria-labelledby="popup-title" aria-describedby="popup-text" className="popup" onClose={() => setDismissed(true)}>
      <h2 id="popup-title">Note about {customer.fullName}</h2>
      <div id="popup-text">
        {alerts.map((note) => (
          <p key={note.id}>
            <strong>{note.kind === 'debtor' ? 'Debtor note' : 'Note'}:</strong> {note.text}{' '}
            <span className="muted">
              ({note.author?.name ?? 'unknown'}, {formatTime(note.at)})
            </span>
          </p>
        ))}
      </div>
      <form method="dialog">
        <button type="submit" className="primary" autoFocus>
          OK, understood
        </button>
      </form>
    </dialog>
  );
}

function StatusActions({ customer, onDone }: { customer: Customer; onDone: (position: string) => void }) {
  const { can } = useAuth();
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  if (!can('customers.status') || customer.deleted) return null;
  const options = customer.isLead ? [] : allowedStatusChanges(customer.status);

  async function run(action: () => Promise<{ position?: string | null }>, done: string) {
    setBusy(true);
    setError(null);
    setMessage('');
    try {
      const answer = await action();
      setMessage(done);
      setTarget('');
      setReason('');
      onDone(answer.position ?? '');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const changeStatus = (event: FormEvent) => {
    event.preventDefault();
    if (!target) return;
    const body: BodyOf<'/api/v1/customers/{id}/status', 'post'> = { status: target as 'active', ...(reason ? { reason } : {}) };
    void run(() => ok(api.POST('/api/v1/customers/{id}/status', { params: { path: { id: customer.id } }, body })), `Status changed to ${STATUS_LABELS[target]}.`);
  };

  return (
    <Section title="Status" id="status">
      {options.length > 0 && (
        <form className="inline-form" onSubmit={changeStatus} aria-label="Change status">
          <SelectField label="Change status to" name="status" value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="">Choose…</option>
            {options.map((status) => (
              <option key={status} value={status}>
                {STATUS_LABELS[status]}
              </option>
            ))}
          </SelectField>
          <TextField label="Reason (optional)" name="reason" value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
          <button type="submit" disabled={!target || busy}>
            Change status
          </button>
        </form>
      )}
      <div className="actions">
        {!customer.isLead && customer.status === 'new' && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => ok(api.POST('/api/v1/customers/{id}/convert-to-lead', { params: { path: { id: customer.id } }, body: {} })), 'Converted to a lead.')}
          >
            Convert to lead
          </button>
        )}
        {customer.isLead && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void run(() => ok(api.POST('/api/v1/customers/{id}/convert-to-customer', { params: { path: { id: customer.id } }, body: { status: 'new' } })), 'Converted back to a customer.')
            }
          >
            Convert to customer
          </button>
        )}
      </div>
      {customer.isLead && <p className="muted">A lead has no status actions; convert it to a customer first.</p>}
      {error !== null && <ActionError error={error} />}
      {message && (
        <p className="success" role="status">
          {message}
        </p>
      )}
    </Section>
  );
}

/**
 * "Erase personal data" (permission customers.erase): a required reason, then a confirmation dialog
 * that names what cannot be undone. Refusals (balance not zero, settings) show their rule.
 */
function EraseSection({ customer, onDone }: { customer: Customer; onDone: (position: string) => void }) {
  const { can } = useAuth();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!can('customers.erase')) return null;
  if (customer.personalDataErasedAt) {
    return (
      <Section title="Personal data" id="erasure">
        <p className="muted">Erased on {formatTime(customer.personalDataErasedAt)}: fields that read “[erased]” can no longer be shown or changed. History and money movements stay.</p>
      </Section>
    );
  }
  const ask = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim() === '') return;
    setError(null);
    dialog.current?.showModal();
  };
  const erase = async () => {
    dialog.current?.close();
    setBusy(true);
    try {
      const answer = await ok(api.POST('/api/v1/customers/{id}/erase', { params: { path: { id: customer.id } }, body: { reason: reason.trim() } }));
      setReason('');
      onDone(answer.position ?? '');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Personal data" id="erasure">
      <form className="inline-form" onSubmit={ask} aria-label="Erase personal data">
        <TextField label="Reason (required)" name="erase-reason" value={reason} maxLength={500} required onChange={(event) => setReason(event.target.value)} />
        <button type="submit" className="danger" disabled={busy || reason.trim() === ''}>
          Erase personal data
        </button>
      </form>
      <p className="muted">Needs a zero balance. Name, contacts, addresses, notes’ and comments’ texts become “[erased]” everywhere, for good.</p>
      {error !== null && <ActionError error={error} />}
      <dialog ref={dialog} aria-labelledby="erase-title">
        <h2 id="erase-title">Erase the personal data of {customer.fullName}?</h2>
        <p>This destroys the customer’s data key. It cannot be undone: every personal value in the history, the read models, the feed and exports will read “[erased]”.</p>
        <div className="actions">
          <button type="button" className="danger" onClick={() => void erase()}>
            Erase for good
          </button>
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </Section>
  );
}

/** A refused action: the server's message and its rule code. */
function ActionError({ error }: { error: unknown }) {
  const rule = error instanceof ApiError ? error.problem.rule : undefined;
  return (
    <div className="error" role="alert">
      <p>{error instanceof ApiError ? (error.problem.detail ?? error.problem.title) : describeError(error)}</p>
      {rule && (
        <p className="rule">
          Rule: <code>{rule}</code>
        </p>
      )}
    </div>
  );
}

const splitList = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

interface MainDraft {
  /** Why (optional): recorded with the change and shown on the timeline. */
  reason: string;
  fullName: string;
  emails: string;
  phones: string;
  street: string;
  zipCode: string;
  city: string;
  labels: string;
}

function draftOf(customer: Customer): MainDraft {
  return {
    reason: '',
    fullName: customer.fullName ?? '',
    emails: (customer.emails ?? []).join(', '),
    phones: (customer.phones ?? []).join(', '),
    street: customer.street ?? '',
    zipCode: customer.zipCode ?? '',
    city: customer.city ?? '',
    labels: (customer.labels ?? []).join(', '),
  };
}

function MainInfo({
  customer,
  etag,
  partners,
  locations,
  reloadAt,
}: {
  customer: Customer;
  etag: string;
  partners: Map<number, string>;
  locations: Map<number, string>;
  reloadAt: (position?: string | null) => Promise<{ customer: Customer; etag: string }>;
}) {
  const { can } = useAuth();
  // The ETag of the revision the edit started from: a change by someone else meanwhile is a 412, not overwritten.
  const [editing, setEditing] = useState<{ etag: string; draft: MainDraft } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [otherError, setOtherError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const start = () => {
    setEditing({ etag, draft: draftOf(customer) });
    setError(null);
    setOtherError(null);
    setSaved(false);
  };
  const set = (field: keyof MainDraft) => (event: { target: { value: string } }) =>
    setEditing((current) => (current ? { ...current, draft: { ...current.draft, [field]: event.target.value } } : current));

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    const { draft } = editing;
    const before = draftOf(customer);
    const body: Record<string, unknown> = {};
    if (draft.fullName !== before.fullName) body.fullName = draft.fullName.trim();
    if (draft.emails !== before.emails) body.emails = splitList(draft.emails);
    if (draft.phones !== before.phones) body.phones = splitList(draft.phones);
    if (draft.labels !== before.labels) body.labels = splitList(draft.labels);
    for (const field of ['street', 'zipCode', 'city'] as const) if (draft[field] !== before[field]) body[field] = draft[field].trim() || null;
    if (draft.reason.trim()) body.reason = draft.reason.trim();
    setBusy(true);
    setError(null);
    setOtherError(null);
    try {
      const answer = await ok(
        api.PATCH('/api/v1/customers/{id}', { params: { path: { id: customer.id }, header: { 'If-Match': editing.etag } }, body: body as PatchBody }),
      );
      setEditing(null);
      setSaved(true);
      await reloadAt(answer.position);
    } catch (failure) {
      if (failure instanceof ApiError && (failure.status === 412 || failure.status === 422)) setError(failure);
      else setOtherError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function reload() {
    const fresh = await reloadAt();
    setEditing({ etag: fresh.etag, draft: draftOf(fresh.customer) });
    setError(null);
  }

  const fieldError = (field: string) => (error?.status === 422 ? error.fieldMessage(field) : undefined);
  const unplaced = error?.status === 422 ? (error.problem.errors ?? []).filter((problem) => !['fullName', 'emails', 'phones', 'street', 'zipCode', 'city', 'labels', 'reason'].some((field) => problem.field === field || problem.field.startsWith(`${field}.`) || problem.field.startsWith(`${field}[`))) : [];

  return (
    <Section
      title="Main information"
      id="main-info"
      actions={
        can('customers.edit') && !editing && !customer.deleted ? (
          <button type="button" onClick={start}>
            Edit
          </button>
        ) : undefined
      }
    >
      {editing ? (
        <form onSubmit={save} aria-label="Edit main information" noValidate>
          {error?.status === 412 && (
            <div className="error" role="alert">
              <p>Someone else changed this customer since you started editing. Your changes were not saved.</p>
              <button type="button" onClick={() => void reload()}>
                Reload the customer
              </button>
            </div>
          )}
          {error?.status === 422 && (
            <p className="error" role="alert">
              Some values were not accepted; see the messages by the fields.
            </p>
          )}
          <div className="form-grid">
            <TextField label="Full name" name="fullName" value={editing.draft.fullName} onChange={set('fullName')} error={fieldError('fullName')} required />
            <TextField label="Emails" name="emails" hint="Comma separated" value={editing.draft.emails} onChange={set('emails')} error={fieldError('emails')} />
            <TextField label="Phones" name="phones" hint="Comma separated" value={editing.draft.phones} onChange={set('phones')} error={fieldError('phones')} />
            <TextField label="Street" name="street" value={editing.draft.street} onChange={set('street')} error={fieldError('street')} />
            <TextField label="ZIP code" name="zipCode" value={editing.draft.zipCode} onChange={set('zipCode')} error={fieldError('zipCode')} />
            <TextField label="City" name="city" value={editing.draft.city} onChange={set('city')} error={fieldError('city')} />
            <TextField label="Labels" name="labels" hint="Comma separated" value={editing.draft.labels} onChange={set('labels')} error={fieldError('labels')} />
            <TextField
              label="Reason (optional)"
              name="reason"
              hint="Recorded with the change, shown on the timeline"
              value={editing.draft.reason}
              maxLength={500}
              onChange={set('reason')}
              error={fieldError('reason')}
            />
          </div>
          {unplaced.map((problem) => (
            <p key={problem.field} className="field-error">
              {problem.field}: {problem.message}
            </p>
          ))}
          {otherError !== null && <ErrorMessage error={otherError} />}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save'}
            </button>
            <button type="button" onClick={() => setEditing(null)} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          {saved && (
            <p className="success" role="status">
              Saved.
            </p>
          )}
          <Facts
            items={[
              ['Category', customer.category === 'company' ? 'Company' : 'Person'],
              ['Emails', (customer.emails ?? []).join(', ')],
              ['Billing emails', (customer.billingEmails ?? []).join(', ')],
              ['Phones', (customer.phones ?? []).join(', ')],
              ['Partner', partners.get(customer.partnerId) ?? customer.partnerId],
              ['Location', locations.get(customer.locationId) ?? customer.locationId],
              ['Address', [customer.street, customer.street2, customer.zipCode, customer.city].filter(Boolean).join(', ')],
              ['Billing type', customer.billingType],
              ['Labels', (customer.labels ?? []).join(', ')],
              ['Date added', customer.dateAdded],
              ['Date of birth', customer.dateOfBirth],
              ['Identification', customer.identification],
              ['Company id / VAT id', [customer.companyId, customer.vatId].filter(Boolean).join(' / ')],
              ['Contact person', customer.contactPerson],
            ]}
          />
        </>
      )}
    </Section>
  );
}

const yesNo = (value: unknown) => (value === true ? 'Yes' : value === false ? 'No' : undefined);

function VoipSection({ customer }: { customer: Customer }) {
  const voip = customer.voip ?? {};
  return (
    <Section title="VoIP account" id="voip">
      <Facts
        items={[
          ['Account number', voip.accountNumber],
          ['Reseller', voip.resellerId],
          ['Expiry date', voip.expiryDate],
          ['Valid days', voip.validDays],
          ['First used', formatTime(voip.firstUsedAt)],
          ['Concurrent calls', voip.concurrentCalls],
          ['Calls per second', voip.cps],
          ['Local calls', yesNo(voip.localCalls)],
          ['Local call charge / min', voip.localCallChargePerMinute],
          ['Recording', yesNo(voip.recording)],
          ['IP management', yesNo(voip.ipManagement)],
          ['Notifications', yesNo(voip.notifications)],
          ['Payment gateway', yesNo(voip.paymentGatewayPermission)],
          ['Currency', voip.currency],
          ['Time zone', voip.timezone],
          ['Country / province', [voip.country, voip.province].filter(Boolean).join(' / ')],
          ['Low credit notification email', voip.lowCreditNotificationEmail],
        ]}
      />
    </Section>
  );
}

function BillingSection({ customer }: { customer: Customer }) {
  const billing = customer.billing ?? {};
  return (
    <Section title="Billing settings" id="billing">
      <Facts
        items={[
          ['Account type', billing.accountType],
          ['Credit limit', billing.creditLimit],
          ['Rate group', billing.rateGroup],
          ['Schedule', billing.schedule],
          ['Billing day', billing.billingDay],
          ['Payment due (days)', billing.paymentDueDays],
          ['Blocking period (days)', billing.blockingPeriodDays],
          ['Grace period (days)', billing.gracePeriodDays],
          ['Minimum balance', billing.minimumBalance],
          ['Taxes', (billing.taxes ?? []).join(', ')],
          ['Tax number', billing.taxNumber],
          ['Invoice note', billing.invoiceNote],
          ['Reference', billing.reference],
          ['Payment method', billing.paymentMethod],
        ]}
      />
    </Section>
  );
}

function AdditionalFields({ customer }: { customer: Customer }) {
  const values = (customer.additionalFields ?? {}) as Record<string, unknown>;
  const labels = (customer.additionalFieldLabels ?? {}) as Record<string, string>;
  const names = Object.keys(values);
  return (
    <Section title="Additional fields" id="additional-fields">
      {names.length === 0 ? (
        <p className="muted">No additional fields set.</p>
      ) : (
        <Facts items={names.map((name) => [labels[name] ?? name, Array.isArray(values[name]) ? (values[name] as unknown[]).join(', ') : String(values[name] ?? '')])} />
      )}
    </Section>
  );
}

function BalanceSection({ customer }: { customer: Customer }) {
  return (
    <Section title="Balance" id="balance">
      <p className="balance">
        Balance <strong>{formatMoney(customer.balance)}</strong>
      </p>
      <p className="muted">Payments and charges appear in the timeline.</p>
    </Section>
  );
}

type NoteLike = { id: string; text: string; kind?: string; type?: string; popup?: boolean; pinned?: boolean; author?: { name?: string } | null; at: string };

function CommentsAndNotes({ customer, onDone }: { customer: Customer; onDone: (position: string) => void }) {
  const { can } = useAuth();
  const comments = (customer.comments ?? []) as NoteLike[];
  const notes = (customer.notes ?? []) as NoteLike[];
  return (
    <>
      <Section title="Comments" id="comments">
        <NoteList items={comments} empty="No comments." />
        {can('notes') && !customer.deleted && (
          <AddText
            label="New comment"
            onSubmit={(text) => ok(api.POST('/api/v1/customers/{id}/comments', { params: { path: { id: customer.id } }, body: { text } as BodyOf<'/api/v1/customers/{id}/comments', 'post'> }))}
            onDone={onDone}
          />
        )}
      </Section>
      <Section title="Internal and debtor notes" id="notes">
        <NoteList items={notes} empty="No notes." />
        {can('notes') && !customer.deleted && <AddNote customerId={customer.id} onDone={onDone} />}
      </Section>
    </>
  );
}

function NoteList({ items, empty }: { items: NoteLike[]; empty: string }) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="notes">
      {items.map((item) => (
        <li key={item.id}>
          <p>
            {item.kind === 'debtor' && <span className="badge status-blocked">Debtor</span>}
            {item.popup && <span className="badge">Pop-up</span>}
            {item.pinned && <span className="badge">Pinned</span>}
            {item.text}
          </p>
          <p className="meta">
            {item.author?.name ?? 'unknown'} · {formatTime(item.at)}
          </p>
        </li>
      ))}
    </ul>
  );
}

function AddText({ label, onSubmit, onDone }: { label: string; onSubmit: (text: string) => Promise<{ position?: string | null }>; onDone: (position: string) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<ApiError | unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await onSubmit(text);
      setText('');
      onDone(answer.position ?? '');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <TextField label={label} name="text" value={text} onChange={(event) => setText(event.target.value)} error={error instanceof ApiError ? error.fieldMessage('text') : undefined} />
      <button type="submit" disabled={busy || !text.trim()}>
        Add
      </button>
      {error !== null && !(error instanceof ApiError && error.fieldMessage('text')) && <ErrorMessage error={error} />}
    </form>
  );
}

function AddNote({ customerId, onDone }: { customerId: number; onDone: (position: string) => void }) {
  const [kind, setKind] = useState<'internal' | 'debtor'>('internal');
  const [popup, setPopup] = useState(false);
  return (
    <div>
      <div className="inline-form">
        <SelectField label="Kind" name="kind" value={kind} onChange={(event) => setKind(event.target.value as 'internal' | 'debtor')}>
          <option value="internal">Internal</option>
          <option value="debtor">Debtor</option>
        </SelectField>
        <label className="check">
          <input type="checkbox" checked={popup} onChange={(event) => setPopup(event.target.checked)} /> Pop up when the profile opens
        </label>
      </div>
      <AddText
        label="New note"
        onSubmit={(text) => ok(api.POST('/api/v1/customers/{id}/notes', { params: { path: { id: customerId } }, body: { text, kind, popup } }))}
        onDone={onDone}
      />
    </div>
  );
}

function CapSection({ customer }: { customer: Customer }) {
  const grants = (customer.cap?.grants ?? []) as { id: string; megabytes: number; reason: string; expiresAt?: string | null; revoked?: boolean }[];
  return (
    <Section title="CAP bonus data" id="cap">
      <p>
        Active bonus: <strong>{customer.cap?.bonusMegabytesTotal ?? 0} MB</strong>
      </p>
      {grants.length === 0 ? (
        <p className="muted">No grants.</p>
      ) : (
        <ul className="notes">
          {grants.map((grant) => (
            <li key={grant.id}>
              {grant.megabytes} MB — {grant.reason}
              {grant.expiresAt ? `, until ${formatTime(grant.expiresAt)}` : ''}
              {grant.revoked ? ' (revoked)' : ''}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function ListsSection({ customer }: { customer: Customer }) {
  const hardware = (customer.hardware ?? []) as { itemId: string; productName: string; barcode?: string | null; status?: string }[];
  const contacts = (customer.contacts ?? []) as Record<string, unknown>[];
  const addresses = (customer.addresses ?? []) as Record<string, unknown>[];
  const describe = (item: Record<string, unknown>) =>
    Object.entries(item)
      .filter(([key, value]) => key !== 'id' && value !== null && value !== '' && typeof value !== 'object')
      .map(([, value]) => String(value))
      .join(' · ');
  return (
    <>
      <Section title="Hardware" id="hardware">
        {hardware.length === 0 ? (
          <p className="muted">No hardware assigned.</p>
        ) : (
          <ul className="notes">
            {hardware.map((item) => (
              <li key={item.itemId}>
                {item.productName} {item.barcode ? `(${item.barcode})` : ''} — {item.status ?? ''}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Contacts" id="contacts">
        {contacts.length === 0 ? <p className="muted">No contact persons.</p> : <ul className="notes">{contacts.map((item, index) => <li key={String(item.id ?? index)}>{describe(item)}</li>)}</ul>}
      </Section>
      <Section title="Additional addresses" id="addresses">
        {addresses.length === 0 ? <p className="muted">No additional addresses.</p> : <ul className="notes">{addresses.map((item, index) => <li key={String(item.id ?? index)}>{describe(item)}</li>)}</ul>}
      </Section>
    </>
  );
}
