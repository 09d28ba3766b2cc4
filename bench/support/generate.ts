/**
 * Fast generation of realistic event histories straight into es_events / es_streams with
 * INSERT … SELECT over generate_series, in chunks (one transaction each). The event shapes are
 * templates decided by the real customer decider (test/projections/history.ts), so projections
 * and time travel see exactly what the write side produces; per customer the generator varies
 * ids, names, emails, phones, addresses, partner, location, status, billing type and category.
 */
import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { customerStreamId } from '../../src/customers/domain/index.js';
import { History, JANE, BOB } from '../../test/projections/history.js';
import { formatInt, now } from './common.js';

export const FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Nancy', 'Daniel', 'Lisa',
  'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily',
  'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Dorothy', 'Kevin', 'Carol', 'Brian', 'Amanda', 'George', 'Melissa',
  'Edward', 'Deborah', 'Ronald', 'Stephanie', 'Timothy', 'Rebecca', 'Jason', 'Sharon', 'Jeffrey', 'Laura', 'Ryan', 'Cynthia',
  'Jacob', 'Kathleen', 'Gary', 'Amy', 'Nicholas', 'Shirley', 'Eric', 'Angela', 'Jonathan', 'Helen', 'Stephen', 'Anna',
  'Larry', 'Brenda', 'Justin', 'Pamela', 'Scott', 'Nicole', 'Brandon', 'Emma', 'Benjamin', 'Samantha', 'Samuel', 'Katherine',
  'Gregory', 'Christine', 'Frank', 'Debra', 'Alexander', 'Rachel', 'Raymond', 'Catherine', 'Patrick', 'Carolyn', 'Jack', 'Janet',
  'Dennis', 'Ruth', 'Jerry', 'Maria', 'Tyler', 'Heather', 'Aaron', 'Diane', 'Jose', 'Virginia', 'Adam', 'Julie', 'Henry', 'Joyce',
  'Nathan', 'Victoria', 'Douglas', 'Olivia', 'Zachary', 'Kelly', 'Peter', 'Christina', 'Kyle', 'Lauren', 'Walter', 'Joan',
  'Ethan', 'Evelyn', 'Jeremy', 'Judith', 'Harold', 'Megan', 'Keith', 'Cheryl', 'Christian', 'Andrea', 'Roger', 'Hannah',
  'Noah', 'Martha', 'Gerald', 'Jacqueline', 'Carl', 'Frances', 'Terry', 'Gloria', 'Sean', 'Ann', 'Austin', 'Teresa', 'Arthur',
  'Kathryn', 'Lawrence', 'Sara', 'Jesse', 'Janice', 'Dylan', 'Jean', 'Bryan', 'Alice', 'Joe', 'Madison', 'Jordan', 'Doris',
  'Billy', 'Abigail', 'Bruce', 'Julia', 'Albert', 'Judy', 'Willie', 'Grace', 'Gabriel', 'Denise', 'Logan', 'Amber', 'Alan',
  'Marilyn', 'Juan', 'Beverly', 'Wayne', 'Danielle', 'Roy', 'Theresa', 'Ralph', 'Sophia', 'Randy', 'Marie', 'Eugene', 'Diana',
  'Vincent', 'Brittany', 'Russell', 'Natalie', 'Elijah', 'Isabella', 'Louis', 'Charlotte', 'Bobby', 'Rose', 'Philip', 'Alexis',
  'Janis', 'Ilze', 'Andris', 'Kristine', 'Martins', 'Liga', 'Juris', 'Inese', 'Marek', 'Katarzyna', 'Piotr', 'Agnieszka',
];
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez',
  'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White',
  'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres',
  'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes', 'Stewart', 'Morris', 'Morales',
  'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper', 'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos',
  'Kim', 'Cox', 'Ward', 'Richardson', 'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes',
  'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez', 'Powell', 'Jenkins', 'Perry',
  'Russell', 'Sullivan', 'Bell', 'Coleman', 'Butler', 'Henderson', 'Barnes', 'Gonzales', 'Fisher', 'Vasquez', 'Simmons', 'Romero',
  'Jordan', 'Patterson', 'Alexander', 'Hamilton', 'Graham', 'Reynolds', 'Griffin', 'Wallace', 'Moreno', 'West', 'Cole', 'Hayes',
  'Bryant', 'Herrera', 'Gibson', 'Ellis', 'Tran', 'Medina', 'Aguilar', 'Stevens', 'Murray', 'Ford', 'Castro', 'Marshall', 'Owens',
  'Harrison', 'Fernandez', 'McDonald', 'Woods', 'Washington', 'Kennedy', 'Wells', 'Vargas', 'Henry', 'Chen', 'Freeman', 'Webb',
  'Tucker', 'Guzman', 'Burns', 'Crawford', 'Olson', 'Simpson', 'Porter', 'Hunter', 'Gordon', 'Mendez', 'Silva', 'Shaw', 'Snyder',
  'Mason', 'Dixon', 'Munoz', 'Hunt', 'Hicks', 'Holmes', 'Palmer', 'Wagner', 'Black', 'Robertson', 'Boyd', 'Rose', 'Stone',
  'Salazar', 'Fox', 'Warren', 'Mills', 'Meyer', 'Rice', 'Schmidt', 'Garza', 'Daniels', 'Ferguson', 'Nichols', 'Stephens', 'Soto',
  'Weaver', 'Ryan', 'Gardner', 'Payne', 'Grant', 'Dunn', 'Kelley', 'Spencer', 'Hawkins', 'Arnold', 'Pierce', 'Vazquez', 'Hansen',
  'Peters', 'Santos', 'Hart', 'Bradley', 'Knight', 'Elliott', 'Cunningham', 'Duncan', 'Armstrong', 'Hudson', 'Carroll', 'Lane',
  'Berzins', 'Kalnins', 'Ozols', 'Jansons', 'Kowalski', 'Nowak', 'Wisniewski', 'Tamm', 'Saar', 'Sepp', 'Kazlauskas', 'Petrov',
];
export const CITIES = [
  'Springfield', 'Riverside', 'Franklin', 'Greenville', 'Bristol', 'Clinton', 'Fairview', 'Salem', 'Madison', 'Georgetown',
  'Arlington', 'Ashland', 'Dover', 'Oxford', 'Jackson', 'Burlington', 'Manchester', 'Milton', 'Newport', 'Auburn', 'Dayton',
  'Lexington', 'Milford', 'Winchester', 'Cleveland', 'Hudson', 'Kingston', 'Mount Vernon', 'Clayton', 'Riga', 'Tallinn', 'Vilnius',
  'Kaunas', 'Tartu', 'Jelgava', 'Daugavpils', 'Liepaja', 'Ventspils', 'Krakow', 'Gdansk', 'Poznan', 'Wroclaw', 'Lodz', 'Lublin',
];
export const STREETS = [
  'Main Street', 'Oak Avenue', 'Maple Drive', 'Cedar Lane', 'Pine Street', 'Elm Street', 'Washington Avenue', 'Lake Road',
  'Hill Street', 'Park Avenue', 'Church Street', 'Mill Road', 'River Road', 'Sunset Boulevard', 'Highland Avenue', 'Forest Drive',
  'Brivibas iela', 'Elizabetes iela', 'Narva mnt', 'Gedimino prospektas', 'ul. Dluga', 'ul. Marszalkowska', 'School Lane', 'High Street',
];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me', 'inbox.lv', 'wp.pl', 'example.net'];
const COMPANY_SUFFIXES = ['Ltd', 'LLC', 'Inc', 'GmbH', 'SIA', 'OU', 'Sp. z o.o.', 'Holdings', 'Networks', 'Logistics'];

export const PARTNERS = 5;
export const LOCATIONS = 20;

/** Reference data (partners, locations) as the write side records it. */
function referenceHistory(): History {
  const h = new History();
  const partnerNames = ['North ISP', 'South Networks', 'Metro Fiber', 'Coastal Wireless', 'Valley Telecom'];
  for (let p = 0; p < PARTNERS; p++) h.partner(partnerNames[p % partnerNames.length]);
  for (let l = 0; l < LOCATIONS; l++) h.location(CITIES[l % CITIES.length]);
  return h;
}

/** One prototype customer's events (decided by the real decider), used as per-position templates. */
export function lifecycleTemplates(kind: 'create-only' | 'lifecycle' | 'long'): RecordedEvent[] {
  const h = referenceHistory();
  const first = h.events.length;
  const id = 1;
  h.create(id, {
    fullName: 'Prototype Customer',
    emails: ['prototype@example.com'],
    phones: ['+1 555-010-2000'],
    street: '1 Main Street',
    city: 'Springfield',
    zipCode: '10001',
  });
  if (kind === 'lifecycle') {
    const c = (command: Parameters<History['command']>[1], actor = JANE) => h.command(id, command, { actor });
    c({ type: 'ChangeStatus', data: { status: 'active', reason: 'installation done' } }, BOB);
    c({ type: 'AddComment', data: { text: 'Installed router on the 2nd floor; signal -61 dBm. Customer asked for a paper invoice.', pinned: false } });
    c({ type: 'RecordPayment', data: { amount: 29.9, method: 'bank_transfer' } });
    c({ type: 'RecordCharge', data: { amount: 29.9, description: 'Monthly fee: Fiber 300' } });
    c({ type: 'AddNote', data: { text: 'Prefers calls after 17:00', kind: 'internal', popup: false } });
    c({ type: 'GrantCapBonus', data: { megabytes: 5120, reason: 'outage compensation' } });
    c({ type: 'EditCustomer', data: { street: '12 Oak Avenue', city: 'Riverside', zipCode: '10002' } });
    c({ type: 'RecordCharge', data: { amount: 29.9, description: 'Monthly fee: Fiber 300' } });
    c({ type: 'RecordPayment', data: { amount: 29.9, method: 'credit_card' } });
  }
  return h.events.slice(first);
}

/** Events that repeat on a long stream (time travel): each decided once, against a live customer. */
export function longStreamCycle(): RecordedEvent[] {
  const h = referenceHistory();
  const id = 1;
  h.create(id, { fullName: 'Prototype Customer', emails: ['prototype@example.com'], phones: ['+1 555-010-2000'], city: 'Springfield' });
  h.command(id, { type: 'ChangeStatus', data: { status: 'active', reason: 'installation done' } }, { actor: BOB });
  const start = h.events.length;
  const c = (command: Parameters<History['command']>[1]) => h.command(id, command, { actor: JANE });
  c({ type: 'AddComment', data: { text: 'Customer called about slow Wi-Fi in the evening; advised a channel change.', pinned: false } });
  c({ type: 'RecordCharge', data: { amount: 29.9, description: 'Monthly fee: Fiber 300' } });
  c({ type: 'RecordPayment', data: { amount: 29.9, method: 'bank_transfer' } });
  c({ type: 'AddNote', data: { text: 'Call back tomorrow about the upgrade', kind: 'internal', popup: false } });
  c({ type: 'GrantCapBonus', data: { megabytes: 1024, reason: 'goodwill' } });
  c({ type: 'EditCustomer', data: { phones: ['+1 555-010-2001'] } });
  c({ type: 'EditCustomer', data: { phones: ['+1 555-010-2000'] } });
  c({ type: 'ChangeStatus', data: { status: 'blocked', reason: 'unpaid invoice' } });
  c({ type: 'ChangeStatus', data: { status: 'active', reason: 'paid' } });
  return h.events.slice(start);
}

/** Inserts the reference-data events (partners, locations) through plain SQL. */
export async function insertReferenceData(db: Kysely<any>): Promise<void> {
  const events = referenceHistory().events;
  await insertRecorded(db, events);
}

/** Inserts recorded events (with their stream revisions) as they are; one transaction. */
export async function insertRecorded(db: Kysely<any>, events: readonly RecordedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({
    event_id: event.id,
    stream_id: event.streamId,
    revision: event.revision,
    event_type: event.type,
    data: event.data,
    metadata: event.metadata,
    recorded_at: event.recordedAt.toISOString(),
  }));
  await db.transaction().execute(async (trx) => {
    await sql`insert into es_events (event_id, stream_id, revision, event_type, data, metadata, recorded_at)
      select x.event_id, x.stream_id, x.revision, x.event_type, x.data, x.metadata, x.recorded_at
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(event_id uuid, stream_id text, revision bigint, event_type text, data jsonb, metadata jsonb, recorded_at timestamptz)
      order by x.recorded_at, x.revision`.execute(trx);
    await sql`insert into es_streams (stream_id, revision)
      select stream_id, max(revision) from es_events where stream_id = any(${[...new Set(events.map((event) => event.streamId))]}::text[]) group by stream_id
      on conflict (stream_id) do update set revision = excluded.revision`.execute(trx);
  });
}

/** SQL for the per-customer variation of CustomerCreated data (`i` is the customer id). */
const CREATED_VARIATION = sql`jsonb_build_object(
    'customerId', c.i,
    'login', lower(v.first) || '.' || lower(v.last) || c.i,
    'fullName', case when v.company then v.last || ' ' || v.suffix else v.first || ' ' || v.last end,
    'category', case when v.company then 'company' else 'person' end,
    'status', v.status,
    'billingType', v.billing_type,
    'emails', jsonb_build_array(lower(v.first) || '.' || lower(v.last) || c.i || '@' || v.domain),
    'billingEmails', '[]'::jsonb,
    'phones', jsonb_build_array('+1 ' || substr(v.phone, 1, 3) || '-' || substr(v.phone, 4, 3) || '-' || substr(v.phone, 7, 4)),
    'partnerId', v.partner_id,
    'locationId', v.location_id,
    'street', (1 + c.i % 250) || ' ' || v.street,
    'zipCode', lpad(((c.i * 37) % 99999)::text, 5, '0'),
    'city', v.city,
    'dateAdded', to_char(date '2015-01-01' + (c.i % 3650), 'YYYY-MM-DD'),
    'voip', t.data->'voip' || jsonb_build_object('accountNumber', (4000000000 + c.i)::text)
  )`;

/**
 * Generates `customers` customers (ids from `firstId`), each with the template's events, in
 * chunks of `chunkCustomers` (one transaction each). Within a chunk the events go in template
 * order across customers (every customer's first event, then every second one, …), so a
 * projection batch touches many customers, as live traffic does.
 */
export async function generateCustomers(
  db: Kysely<any>,
  options: { customers: number; firstId?: number; templates: readonly RecordedEvent[]; chunkCustomers?: number; log?: boolean },
): Promise<{ events: number; ms: number }> {
  const firstId = options.firstId ?? 1;
  const chunk = options.chunkCustomers ?? Math.max(1, Math.floor(200_000 / options.templates.length));
  const templates = JSON.stringify(
    options.templates.map((event, index) => ({ ord: index, type: event.type, data: event.data, metadata: event.metadata })),
  );
  const started = now();
  let events = 0;
  for (let lo = firstId; lo < firstId + options.customers; lo += chunk) {
    const hi = Math.min(firstId + options.customers, lo + chunk) - 1;
    await db.transaction().execute(async (trx) => {
      const result = await sql`
        insert into es_events (event_id, stream_id, revision, event_type, schema_version, data, metadata, recorded_at)
        select gen_random_uuid(), 'customer-' || c.i, t.ord, t.type, 1,
          case when t.type = 'CustomerCreated' then t.data || ${CREATED_VARIATION}
               else jsonb_set(t.data, '{customerId}', to_jsonb(c.i)) end,
          t.metadata,
          timestamptz '2024-01-01' + c.i * interval '1 second' + t.ord * interval '1 day'
        from generate_series(${lo}::int, ${hi}::int) as c(i)
        cross join jsonb_to_recordset(${templates}::jsonb) as t(ord int, type text, data jsonb, metadata jsonb)
        cross join lateral (
          -- Each attribute from its own multiplicative hash of the id, so attributes are independent
          -- (as in real data: any status occurs in any location, with any name).
          select
            (${FIRST_NAMES}::text[])[1 + (c.i::bigint * 2654435761 % 4294967296 / 4096) % ${FIRST_NAMES.length}] as first,
            (${LAST_NAMES}::text[])[1 + (c.i::bigint * 2246822519 % 4294967296 / 4096) % ${LAST_NAMES.length}] as last,
            (${COMPANY_SUFFIXES}::text[])[1 + c.i % ${COMPANY_SUFFIXES.length}] as suffix,
            (${DOMAINS}::text[])[1 + (c.i::bigint * 3266489917 % 4294967296 / 4096) % ${DOMAINS.length}] as domain,
            (${CITIES}::text[])[1 + (c.i::bigint * 668265263 % 4294967296 / 4096) % ${CITIES.length}] as city,
            (${STREETS}::text[])[1 + (c.i::bigint * 374761393 % 4294967296 / 4096) % ${STREETS.length}] as street,
            (c.i::bigint * 2870177450 % 4294967296 / 4096) % 9 = 0 as company,
            (array['active','active','active','active','active','active','new','new','blocked','inactive'])[1 + (c.i::bigint * 1103515245 % 4294967296 / 4096) % 10] as status,
            (array['recurring','recurring','recurring','prepaid_custom','prepaid_daily'])[1 + (c.i::bigint * 1664525 % 4294967296 / 4096) % 5] as billing_type,
            1 + (c.i::bigint * 22695477 % 4294967296 / 4096) % ${PARTNERS} as partner_id,
            1 + (c.i::bigint * 134775813 % 4294967296 / 4096) % ${LOCATIONS} as location_id,
            lpad(((c.i::bigint * 48271) % 9000000000 + 1000000000)::text, 10, '0') as phone
        ) v
        order by t.ord, c.i`.execute(trx);
      events += Number(result.numAffectedRows ?? 0);
      await sql`insert into es_streams (stream_id, revision)
        select 'customer-' || i, ${options.templates.length - 1} from generate_series(${lo}::int, ${hi}::int) as i`.execute(trx);
    });
    if (options.log && process.stdout.isTTY) process.stdout.write(`\rgenerated ${formatInt(events)} events (${formatInt((events * 1000) / (now() - started))} /s)   `);
  }
  if (options.log && process.stdout.isTTY) process.stdout.write('\n');
  await sql`analyze es_events`.execute(db);
  await sql`analyze es_streams`.execute(db);
  return { events, ms: now() - started };
}

/** One customer (`customerId`) with `events` events: create + activate, then the cycle repeated. */
export async function generateLongStream(db: Kysely<any>, customerId: number, events: number): Promise<void> {
  const head = lifecycleTemplates('create-only');
  const cycle = longStreamCycle();
  await generateCustomers(db, { customers: 1, firstId: customerId, templates: head });
  const remaining = events - head.length;
  const cycleJson = JSON.stringify(cycle.map((event, index) => ({ ord: index, type: event.type, data: event.data, metadata: event.metadata })));
  await db.transaction().execute(async (trx) => {
    await sql`
      insert into es_events (event_id, stream_id, revision, event_type, schema_version, data, metadata, recorded_at)
      select gen_random_uuid(), ${customerStreamId(customerId)}, ${head.length} + n - 1, t.type, 1,
        jsonb_set(t.data, '{customerId}', to_jsonb(${customerId}::int)), t.metadata,
        timestamptz '2024-01-01' + n * interval '1 hour'
      from generate_series(1, ${remaining}::int) as n
      join jsonb_to_recordset(${cycleJson}::jsonb) as t(ord int, type text, data jsonb, metadata jsonb) on t.ord = (n - 1) % ${cycle.length}
      order by n`.execute(trx);
    await sql`update es_streams set revision = ${events - 1} where stream_id = ${customerStreamId(customerId)}`.execute(trx);
  });
}
