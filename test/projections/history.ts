/**
 * Builds realistic event histories for projection specs: customer commands decided by the real
 * domain decider (so the events are exactly what the write side produces), plus reference-data
 * events. Events get stream revisions, increasing global positions and actor metadata, as the
 * store records them; `appendTo(store)` writes them to a real event store instead.
 */
import { randomUUID } from 'node:crypto';
import type { Actor, EventStore, RecordedEvent } from '../../src/event-store/event-store.port.js';
import * as customerDomain from '../../src/customers/domain/index.js';
import {
  customerDecider,
  customerStreamId,
  type CreateCustomerInput,
  type CustomerCommand,
  type CustomerContext,
  type CustomerPatch,
  type CustomerState,
} from '../../src/customers/domain/index.js';
import {
  ADDITIONAL_FIELDS_STREAM,
  CUSTOMER_SETTINGS_STREAM,
  DEFINITION_DEFAULTS,
  LOCATIONS_STREAM,
  PARTNERS_STREAM,
  type AdditionalFieldDefinition,
} from '../../src/reference-data/domain/index.js';

export const JANE: Actor = { id: 'admin-jane', name: 'Jane', role: 'support' };
export const BOB: Actor = { id: 'admin-bob', name: 'Bob', role: 'admin' };

/**
 * Whether the domain takes the PIN sealed (context.pinCiphertext / creation.pinCiphertext, PATCH
 * `voip.pinChanged`) rather than plain (`voip.pin`, creation.pin). The builder speaks both, so the
 * specs run against either while the change rolls out.
 */
const SEALED_PIN = 'PIN_FIELD' in customerDomain;

/** Creation credentials as the application layer hands them to the decider. */
function creation(customerId: number, login = `user${customerId}`): CustomerContext['creation'] {
  const pin = String(100_000 + customerId);
  return {
    customerId,
    login,
    passwordCiphertext: `v1:secret-cipher-${customerId}`,
    accountNumber: String(4_000_000_000 + customerId),
    ...(SEALED_PIN ? { pinCiphertext: `v1:pin-cipher-${pin}` } : { pin }),
  } as unknown as CustomerContext['creation'];
}

/** A PATCH that changes the PIN, in the form the domain takes, plus the context it needs. */
function withPinChange(command: CustomerCommand): { command: CustomerCommand; context: Partial<CustomerContext> } {
  const voip = command.type === 'EditCustomer' ? (command.data.voip as Record<string, unknown> | undefined) : undefined;
  if (!SEALED_PIN || !voip || voip.pin === undefined) return { command, context: {} };
  const { pin, ...rest } = voip;
  return {
    command: { ...command, data: { ...command.data, voip: { ...rest, pinChanged: true } } } as CustomerCommand,
    context: { pinCiphertext: `v1:pin-cipher-${String(pin)}` } as Partial<CustomerContext>,
  };
}

export function definition(input: Partial<AdditionalFieldDefinition> & Pick<AdditionalFieldDefinition, 'name' | 'type'>): AdditionalFieldDefinition {
  return { ...DEFINITION_DEFAULTS, label: input.name, ...input };
}

export class History {
  readonly events: RecordedEvent[] = [];
  private readonly revisions = new Map<string, number>();
  private readonly states = new Map<number, CustomerState>();
  private readonly definitions = new Map<string, AdditionalFieldDefinition>();
  private sequence = 0;
  private clock = Date.parse('2025-03-01T09:00:00.000Z');
  private ids = 0;
  partnerIds: number[] = [];
  locationIds: number[] = [];

  /** The time the next event happens (each event one minute after the previous one). */
  private tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString();
  }

  private record(streamId: string, type: string, data: Record<string, unknown>, actor: Actor, occurredAt: string): RecordedEvent {
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    this.sequence += 1;
    const event: RecordedEvent = {
      id: randomUUID(),
      type,
      schemaVersion: 1,
      data,
      metadata: { actor, occurredAt, correlationId: randomUUID() },
      streamId,
      revision,
      position: String(this.sequence).padStart(20, '0'),
      recordedAt: new Date(occurredAt),
    };
    this.events.push(event);
    return event;
  }

  partner(name: string, actor = BOB): number {
    const id = this.partnerIds.length + 1;
    this.partnerIds.push(id);
    const at = this.tick();
    this.record(PARTNERS_STREAM, 'PartnerCreated', { id, name, at }, actor, at);
    return id;
  }

  renamePartner(id: number, from: string, name: string, actor = BOB): void {
    const at = this.tick();
    this.record(PARTNERS_STREAM, 'PartnerRenamed', { id, name, changes: [{ field: 'name', from, to: name }], at }, actor, at);
  }

  location(name: string, actor = BOB): number {
    const id = this.locationIds.length + 1;
    this.locationIds.push(id);
    const at = this.tick();
    this.record(LOCATIONS_STREAM, 'LocationCreated', { id, name, at }, actor, at);
    return id;
  }

  deleteLocation(id: number, name: string, actor = BOB): void {
    const at = this.tick();
    this.locationIds = this.locationIds.filter((known) => known !== id);
    this.record(LOCATIONS_STREAM, 'LocationDeleted', { id, name, at }, actor, at);
  }

  defineField(field: AdditionalFieldDefinition, actor = BOB): void {
    this.definitions.set(field.name, field);
    const at = this.tick();
    this.record(ADDITIONAL_FIELDS_STREAM, 'AdditionalFieldDefined', { name: field.name, definition: field, at }, actor, at);
  }

  changeField(name: string, patch: Partial<AdditionalFieldDefinition>, actor = BOB): void {
    const current = this.definitions.get(name)!;
    const changes = Object.entries(patch).map(([field, to]) => ({ field, from: (current as unknown as Record<string, unknown>)[field] ?? null, to }));
    this.definitions.set(name, { ...current, ...patch });
    const at = this.tick();
    this.record(ADDITIONAL_FIELDS_STREAM, 'AdditionalFieldChanged', { name, changes, at }, actor, at);
  }

  changeSettings(changes: Array<{ field: string; from: unknown; to: unknown }>, actor = BOB): void {
    const at = this.tick();
    this.record(CUSTOMER_SETTINGS_STREAM, 'CustomerSettingsChanged', { changes, at }, actor, at);
  }

  /** Runs a customer command through the decider; returns the events it recorded. */
  command(customerId: number, input: CustomerCommand, options: { actor?: Actor; context?: Partial<CustomerContext> } = {}): RecordedEvent[] {
    const actor = options.actor ?? JANE;
    const { command, context: pinContext } = withPinChange(input);
    const now = this.tick();
    const state = this.states.get(customerId) ?? customerDecider.initialState;
    const context: CustomerContext = {
      now,
      actor: { id: actor.id, name: actor.name },
      newId: `id-${++this.ids}`,
      knownPartnerIds: this.partnerIds,
      knownLocationIds: this.locationIds,
      additionalFieldDefinitions: [...this.definitions.values()],
      passwordCiphertext: `v1:cipher-${this.ids}`,
      creation: creation(customerId),
      ...pinContext,
      ...options.context,
    };
    const decided = customerDecider.decide(command, state, context);
    this.states.set(customerId, decided.reduce(customerDecider.evolve, state));
    return decided.map((event) => this.record(customerStreamId(customerId), event.type, event.data as unknown as Record<string, unknown>, actor, now));
  }

  create(customerId: number, input: Partial<CreateCustomerInput> = {}, options: { actor?: Actor; login?: string } = {}): RecordedEvent[] {
    const data: CreateCustomerInput = { fullName: `Customer ${customerId}`, partnerId: this.partnerIds[0], locationId: this.locationIds[0], ...input };
    return this.command(customerId, { type: 'CreateCustomer', data }, {
      actor: options.actor,
      context: options.login ? { creation: creation(customerId, options.login) } : {},
    });
  }

  /** Appends the events to a real store, stream by stream in the original global order. */
  async appendTo(store: EventStore, events: readonly RecordedEvent[] = this.events): Promise<string> {
    let last = '';
    for (const event of events) {
      const result = await store.append(
        event.streamId,
        [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }],
        event.revision === 0 ? 'no_stream' : event.revision - 1,
      );
      last = result.position;
    }
    return last;
  }
}

/**
 * A varied history: reference data, 12 customers touched by every kind of command (edits of every
 * concern, status changes, lead conversions, delete + restore, comments, notes, CAP, hardware,
 * contacts, addresses, payments, password and PIN events).
 */
export function variedHistory(customers = 12): History {
  const h = new History();
  const north = h.partner('North ISP');
  const south = h.partner('South ISP');
  const riga = h.location('Riga');
  const tallinn = h.location('Tallinn');
  h.location('Vilnius');
  h.defineField(definition({ name: 'contract_id', type: 'string', label: 'Contract ID', showInList: true }));
  h.defineField(definition({ name: 'floors', type: 'integer', label: 'Floors' }));
  h.renamePartner(south, 'South ISP', 'South Networks');
  for (let id = 1; id <= customers; id++) {
    const company = id % 4 === 0;
    h.create(id, {
      fullName: company ? `Acme ${id} Ltd` : `Person ${String.fromCharCode(64 + ((id * 7) % 26) + 1)}${id} Surname`,
      category: company ? 'company' : 'person',
      partnerId: id % 3 === 0 ? south : north,
      locationId: id % 2 === 0 ? tallinn : riga,
      billingType: id % 5 === 0 ? 'prepaid_custom' : 'recurring',
      emails: [`c${id}@example.com`],
      phones: [`+371 2000 ${String(1000 + id)}`],
      street: `${id} Main Street`,
      city: id % 2 === 0 ? 'Tallinn' : 'Riga',
      zipCode: `LV-${1000 + id}`,
      labels: id % 3 === 0 ? ['vip'] : [],
      additionalFields: { contract_id: `C-${id}` },
    });
  }
  for (let id = 1; id <= customers; id++) {
    const c = (command: CustomerCommand, actor = id % 2 ? JANE : BOB) => h.command(id, command, { actor });
    c({ type: 'AddComment', data: { text: `Called about invoice ${id}`, pinned: id % 2 === 0 } });
    if (id % 2 === 1) c({ type: 'ChangeStatus', data: { status: 'active', reason: 'paid' } });
    if (id % 3 === 0) c({ type: 'EditCustomer', data: { emails: [`new${id}@example.org`], phones: [`+44 20 7946 ${String(1000 + id)}`] } });
    if (id % 4 === 1) c({ type: 'EditCustomer', data: { fullName: `Renamed ${id}`, city: 'Vilnius', street: null } });
    if (id % 5 === 1) c({ type: 'EditCustomer', data: { voip: { cps: 5, pin: '999999' } as CustomerPatch['voip'], billing: { accountType: 'postpaid', creditLimit: 50 } } });
    if (id % 6 === 0) c({ type: 'EditCustomer', data: { labels: ['vip', 'priority'], additionalFields: { floors: 3 } } });
    if (id % 7 === 0) c({ type: 'AddNote', data: { text: 'Owes money', kind: 'debtor', popup: true } });
    if (id % 3 === 1) c({ type: 'GrantCapBonus', data: { megabytes: 500, reason: 'outage compensation' } });
    if (id % 3 === 1 && id > 3) c({ type: 'RevokeCapBonus', data: { grantId: lastId(h, id, 'CapBonusGranted', 'grantId'), reason: 'mistake' } });
    if (id % 4 === 2) c({ type: 'AssignHardware', data: { itemId: `HW-${id}`, productName: 'Router X', barcode: `BC${id}` } });
    if (id % 4 === 3) c({ type: 'AddContact', data: { name: 'Mary Contact', role: 'accountant', email: 'mary@example.com' } });
    if (id % 5 === 2) c({ type: 'AddAddress', data: { label: 'Office', street: '5 Side Road', city: 'Tartu' } });
    c({ type: 'RecordPayment', data: { amount: 10 * id, method: 'cash' } });
    if (id % 2 === 0) c({ type: 'RecordCharge', data: { amount: 3.5, description: 'Monthly fee' } });
    if (id % 5 === 3) c({ type: 'ChangeBillingType', data: { billingType: 'prepaid_daily', reason: 'customer request' } });
    if (id === 2) c({ type: 'ConvertToLead', data: { reason: 'not yet signed' } });
    if (id === 8) {
      c({ type: 'ChangeStatus', data: { status: 'inactive', reason: 'moved away' } });
      c({ type: 'DeleteCustomer', data: { reason: 'closed account' } });
    }
    if (id === 11) {
      c({ type: 'ChangeStatus', data: { status: 'blocked', reason: 'unpaid' } });
      c({ type: 'ResetPassword', data: { reason: 'forgotten', generated: true } });
      c({ type: 'RevealPin', data: { reason: 'customer call' } });
    }
  }
  h.changeField('floors', { showInList: true, label: 'Number of floors' });
  h.changeSettings([{ field: 'pinLength', from: 6, to: 8 }]);
  // A second round touching the same customers again (folding over stored rows).
  for (let id = 1; id <= customers; id += 2) {
    const status = id === 11 ? 'active' : 'blocked';
    h.command(id, { type: 'ChangeStatus', data: { status, reason: status === 'blocked' ? 'unpaid invoice' : 'paid' } }, { actor: BOB });
    h.command(id, { type: 'EditCustomer', data: { phones: [`+1 555-010-${String(2000 + id)}`] } });
  }
  if (customers >= 8) h.command(8, { type: 'RestoreCustomer', data: { reason: 'came back' } });
  h.deleteLocation(3, 'Vilnius');
  return h;
}

function lastId(h: History, customerId: number, type: string, key: string): string {
  const event = [...h.events].reverse().find((candidate) => candidate.streamId === customerStreamId(customerId) && candidate.type === type);
  return (event!.data as Record<string, string>)[key];
}
