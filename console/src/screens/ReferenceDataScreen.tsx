/** Reference data: partners, locations, additional-field definitions, customer settings (patterns, billing-rule switches, reasons, erasure). */
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';
import { ErrorMessage, Loading, Section, SelectField, TextField, formatTime } from '../components/ui';
import { WriteError, useWriteForm } from '../components/forms';
import { namesById, useLocations, usePartners } from '../data/reference';

type Fields = ResponseOf<'/api/v1/additional-fields'>;
type Settings = ResponseOf<'/api/v1/settings/customers'>;

export function ReferenceDataScreen() {
  return (
    <div className="page">
      <h1>Reference data</h1>
      <NamedList kind="partners" />
      <NamedList kind="locations" />
      <AdditionalFieldsSection />
      <SettingsSection />
    </div>
  );
}

function NamedList({ kind }: { kind: 'partners' | 'locations' }) {
  const partners = usePartners();
  const locations = useLocations();
  const query = kind === 'partners' ? partners : locations;
  const queryClient = useQueryClient();
  const form = useWriteForm();
  const [name, setName] = useState('');
  const title = kind === 'partners' ? 'Partners' : 'Locations';
  const items = (query.data?.items ?? []) as { id: number; name: string; customers?: number; createdAt?: string }[];
  const create = () =>
    kind === 'partners'
      ? ok(api.POST('/api/v1/partners', { body: { name } as never }))
      : ok(api.POST('/api/v1/locations', { body: { name } as never }));
  return (
    <Section title={title} id={kind}>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorMessage error={query.error} retry={() => void query.refetch()} />
      ) : (
        <div className="table-wrap" role="region" aria-label={title} tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Customers
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>{item.id}</td>
                  <td>{item.name}</td>
                  <td className="num">{item.customers ?? '—'}</td>
                  <td>{formatTime(item.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        className="inline-form"
        aria-label={`New ${kind === 'partners' ? 'partner' : 'location'}`}
        noValidate
        onSubmit={form.submit(create, (created) => {
          setName('');
          // Read our own write: the list comes from a projection, so ask for it at the write's position.
          const minPosition = (created as { position?: string | null }).position ?? undefined;
          const path = kind === 'partners' ? '/api/v1/partners' : '/api/v1/locations';
          void queryClient.fetchQuery({
            queryKey: [kind],
            staleTime: 0,
            queryFn: () => ok(api.GET(path as '/api/v1/partners', { params: { query: { minPosition } as never } })),
          });
        })}
      >
        <TextField label={`New ${kind === 'partners' ? 'partner' : 'location'} name`} name="name" value={name} onChange={(event) => setName(event.target.value)} error={form.fieldError('name')} />
        <button type="submit" disabled={form.busy || !name.trim()}>
          Add
        </button>
      </form>
      <WriteError form={form} fields={['name']} />
    </Section>
  );
}

const FIELD_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'select', 'multiselect'] as const;

function AdditionalFieldsSection() {
  const queryClient = useQueryClient();
  const fields = useQuery({ queryKey: ['additional-fields'], queryFn: (): Promise<Fields> => ok(api.GET('/api/v1/additional-fields')) });
  const form = useWriteForm();
  const [draft, setDraft] = useState({ name: '', label: '', type: 'string', options: '', required: false });
  const items = (fields.data?.items ?? []) as { name: string; label: string; type: string; required: boolean; options?: string[] }[];
  const define = () =>
    ok(
      api.POST('/api/v1/additional-fields', {
        body: {
          name: draft.name,
          label: draft.label,
          type: draft.type as 'string',
          required: draft.required,
          ...(draft.type.endsWith('select') ? { options: draft.options.split(',').map((option) => option.trim()).filter(Boolean) } : {}),
        } as never,
      }),
    );
  return (
    <Section title="Additional fields" id="additional-field-definitions">
      {fields.isPending ? (
        <Loading />
      ) : fields.isError ? (
        <ErrorMessage error={fields.error} retry={() => void fields.refetch()} />
      ) : items.length === 0 ? (
        <p className="muted">No additional fields are defined.</p>
      ) : (
        <ul className="notes">
          {items.map((field) => (
            <li key={field.name}>
              <strong>{field.label}</strong> <code>{field.name}</code> — {field.type}
              {field.required ? ', required' : ''}
              {field.options?.length ? ` (${field.options.join(', ')})` : ''}
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        aria-label="Define an additional field"
        noValidate
        onSubmit={form.submit(define, () => {
          setDraft({ name: '', label: '', type: 'string', options: '', required: false });
          void queryClient.invalidateQueries({ queryKey: ['additional-fields'] });
        })}
      >
        <TextField label="Field name" name="name" value={draft.name} onChange={(event) => setDraft({ ...draft, name: event.target.value })} error={form.fieldError('name')} />
        <TextField label="Label" name="label" value={draft.label} onChange={(event) => setDraft({ ...draft, label: event.target.value })} error={form.fieldError('label')} />
        <SelectField label="Type" name="type" value={draft.type} onChange={(event) => setDraft({ ...draft, type: event.target.value })}>
          {FIELD_TYPES.map((type) => (
            <option key={type}>{type}</option>
          ))}
        </SelectField>
        {draft.type.endsWith('select') && (
          <TextField label="Options" hint="Comma separated" name="options" value={draft.options} onChange={(event) => setDraft({ ...draft, options: event.target.value })} error={form.fieldError('options')} />
        )}
        <label className="check">
          <input type="checkbox" checked={draft.required} onChange={(event) => setDraft({ ...draft, required: event.target.checked })} /> Required
        </label>
        <button type="submit" disabled={form.busy || !draft.name || !draft.label}>
          Define
        </button>
      </form>
      <WriteError form={form} fields={['name', 'label', 'options']} />
    </Section>
  );
}

const SETTINGS: [string, string][] = [
  ['loginPattern', 'Login pattern'],
  ['loginLength', 'Login length'],
  ['loginCharset', 'Login characters'],
  ['passwordPattern', 'Password pattern'],
  ['passwordLength', 'Password length'],
  ['passwordCharset', 'Password characters'],
  ['accountNumberPrefix', 'Account number prefix'],
  ['accountNumberLength', 'Account number length'],
  ['pinLength', 'PIN length'],
];
const NUMERIC = new Set(['loginLength', 'passwordLength', 'accountNumberLength', 'pinLength']);

const AUTOMATION_RULES: [Rule, string][] = [
  ['automaticBlocking', 'Automatic blocking (recurring)'],
  ['automaticDeactivation', 'Automatic deactivation'],
  ['prepaidAutomaticBlocking', 'Automatic blocking (prepaid)'],
];
type Rule = 'automaticBlocking' | 'automaticDeactivation' | 'prepaidAutomaticBlocking';
// Typed against the OpenAPI document, so a value the API drops fails the console typecheck.
const ERASURE_REQUIREMENTS = ['nothing', 'inactive', 'deleted'] satisfies Settings['erasureRequires'][];
const CUSTOMER_ACTIONS = [
  'CreateCustomer', 'EditCustomer', 'SetAdditionalFields', 'ChangeStatus', 'ChangeBillingType', 'ConvertToLead', 'ConvertLeadToCustomer',
  'DeleteCustomer', 'RestoreCustomer', 'ResetPassword', 'RevealPassword', 'RevealPin', 'Impersonate', 'AddComment', 'EditComment',
  'DeleteComment', 'AddNote', 'EditNote', 'DeleteNote', 'GrantCapBonus', 'RevokeCapBonus', 'AssignHardware', 'UnassignHardware',
  'AddContact', 'RemoveContact', 'AddAddress', 'RemoveAddress', 'RecordPayment', 'RecordCharge',
] satisfies Settings['reasonRequiredFor'];

interface Policy {
  automaticBlocking: boolean;
  automaticDeactivation: boolean;
  prepaidAutomaticBlocking: boolean;
  automationByPartner: Record<string, Partial<Record<Rule, boolean>>>;
  reasonRequiredFor: string[];
  erasureRequires: string;
}

function policyOf(current: Record<string, unknown>): Policy {
  return {
    automaticBlocking: current.automaticBlocking === true,
    automaticDeactivation: current.automaticDeactivation === true,
    prepaidAutomaticBlocking: current.prepaidAutomaticBlocking === true,
    automationByPartner: (current.automationByPartner ?? {}) as Policy['automationByPartner'],
    reasonRequiredFor: (current.reasonRequiredFor ?? []) as string[],
    erasureRequires: String(current.erasureRequires ?? 'inactive'),
  };
}

function SettingsSection() {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['settings'], queryFn: (): Promise<Settings> => ok(api.GET('/api/v1/settings/customers')) });
  const partners = namesById(usePartners().data);
  const form = useWriteForm();
  const [draft, setDraft] = useState<Record<string, string> | null>(null);
  const [policyDraft, setPolicyDraft] = useState<Policy | null>(null);
  const current = (settings.data ?? {}) as Record<string, unknown>;
  const values = draft ?? Object.fromEntries(SETTINGS.map(([key]) => [key, String(current[key] ?? '')]));
  const policy = policyDraft ?? policyOf(current);
  const changePolicy = (change: Partial<Policy>) => setPolicyDraft({ ...policy, ...change });
  const setPartnerRule = (partnerId: number, rule: Rule, choice: string) => {
    const own = { ...(policy.automationByPartner[String(partnerId)] ?? {}) };
    if (choice === 'default') delete own[rule];
    else own[rule] = choice === 'on';
    const byPartner = { ...policy.automationByPartner, [String(partnerId)]: own };
    if (Object.keys(own).length === 0) delete byPartner[String(partnerId)];
    changePolicy({ automationByPartner: byPartner });
  };
  const save = () => {
    const body: Record<string, unknown> = {};
    for (const [key] of SETTINGS) if (values[key] !== String(current[key] ?? '')) body[key] = NUMERIC.has(key) ? Number(values[key]) : values[key];
    const before = policyOf(current);
    for (const key of Object.keys(policy) as (keyof Policy)[]) if (JSON.stringify(policy[key]) !== JSON.stringify(before[key])) body[key] = policy[key];
    return ok(api.PATCH('/api/v1/settings/customers', { body: body as never }));
  };
  const policyFields = ['automaticBlocking', 'automaticDeactivation', 'prepaidAutomaticBlocking', 'automationByPartner', 'reasonRequiredFor', 'erasureRequires'];
  return (
    <Section title="Customer settings" id="customer-settings">
      {settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <ErrorMessage error={settings.error} retry={() => void settings.refetch()} />
      ) : (
        <form
          aria-label="Customer settings"
          noValidate
          onSubmit={form.submit(save, () => {
            setDraft(null);
            setPolicyDraft(null);
            void queryClient.invalidateQueries({ queryKey: ['settings'] });
          })}
        >
          <div className="form-grid">
            {SETTINGS.map(([key, label]) => (
              <TextField
                key={key}
                label={label}
                name={key}
                inputMode={NUMERIC.has(key) ? 'numeric' : undefined}
                value={values[key]}
                onChange={(event) => setDraft({ ...values, [key]: event.target.value })}
                error={form.fieldError(key)}
              />
            ))}
          </div>
          <p className="hint">Patterns use placeholders such as {'{id}'} and {'{rand_string}'}; they apply to customers created from now on.</p>
          <fieldset>
            <legend>Billing rules</legend>
            {AUTOMATION_RULES.map(([rule, label]) => (
              <div key={rule} className={`field${form.fieldError(rule) ? ' invalid' : ''}`}>
                <label className="check">
                  <input type="checkbox" name={rule} checked={policy[rule]} onChange={(event) => changePolicy({ [rule]: event.target.checked })} /> {label}
                </label>
                {form.fieldError(rule) && <small className="field-error" role="alert">{form.fieldError(rule)}</small>}
              </div>
            ))}
          </fieldset>
          {partners.size > 0 && (
            <fieldset>
              <legend>Billing rules per partner</legend>
              {[...partners].map(([partnerId, partnerName]) => (
                <div key={partnerId} className="form-grid">
                  {AUTOMATION_RULES.map(([rule, label]) => {
                    const own = policy.automationByPartner[String(partnerId)]?.[rule];
                    return (
                      <SelectField
                        key={rule}
                        label={`${partnerName}: ${label}`}
                        name={`automationByPartner.${partnerId}.${rule}`}
                        value={own === undefined ? 'default' : own ? 'on' : 'off'}
                        onChange={(event) => setPartnerRule(partnerId, rule, event.target.value)}
                        error={form.fieldError(`automationByPartner.${partnerId}.${rule}`) ?? form.fieldError(`automationByPartner.${partnerId}`)}
                      >
                        <option value="default">As above</option>
                        <option value="on">On</option>
                        <option value="off">Off</option>
                      </SelectField>
                    );
                  })}
                </div>
              ))}
              {form.fieldError('automationByPartner') && <small className="field-error" role="alert">{form.fieldError('automationByPartner')}</small>}
            </fieldset>
          )}
          <SelectField
            label="Erasure requires"
            name="erasureRequires"
            value={policy.erasureRequires}
            onChange={(event) => changePolicy({ erasureRequires: event.target.value })}
            error={form.fieldError('erasureRequires')}
          >
            {ERASURE_REQUIREMENTS.map((requirement) => (
              <option key={requirement}>{requirement}</option>
            ))}
          </SelectField>
          <fieldset className={form.fieldError('reasonRequiredFor') ? 'invalid' : undefined}>
            <legend>Reason required for</legend>
            {CUSTOMER_ACTIONS.map((action) => (
              <label key={action} className="check">
                <input
                  type="checkbox"
                  name="reasonRequiredFor"
                  value={action}
                  checked={policy.reasonRequiredFor.includes(action)}
                  onChange={(event) =>
                    changePolicy({
                      reasonRequiredFor: event.target.checked ? [...policy.reasonRequiredFor, action] : policy.reasonRequiredFor.filter((other) => other !== action),
                    })
                  }
                />{' '}
                {action}
              </label>
            ))}
            {form.fieldError('reasonRequiredFor') && <small className="field-error" role="alert">{form.fieldError('reasonRequiredFor')}</small>}
          </fieldset>
          <div className="actions">
            <button type="submit" className="primary" disabled={form.busy || (draft === null && policyDraft === null)}>
              Save settings
            </button>
          </div>
          <WriteError form={form} fields={[...SETTINGS.map(([key]) => key), ...policyFields]} />
        </form>
      )}
    </Section>
  );
}
