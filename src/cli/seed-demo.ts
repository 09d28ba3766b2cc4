#!/usr/bin/env node
/**
 * `npm run seed:demo`: fills a fresh install with demo data — partners, locations, additional fields and a
 * few hundred customers with six months of history (activations, blocks, payments, charges, comments,
 * notes, CAP grants) — so the console has something to show.
 *
 * Everything goes through the app's own HTTP API: the app is started in this process (on the database
 * the environment names, as `npm start` would use it) and listens on a loopback port only the script
 * uses. To spread the history over months, the process clock is shifted back while the requests run:
 * the actions are replayed in time order, so the `at` of every event (and the timeline) reads as the day
 * it stands for. The stores' own recording time (`recordedAt`, used by `?asOf=`) stays the real time.
 *
 *   npm run seed:demo                  (300 customers)
 *   npm run seed:demo -- --customers 50
 *   npm run seed:demo -- --force       (also when customers exist already)
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadAppConfig } from '../config/app-config.js';
import { configureHttpApp } from '../http-app.js';

const USAGE = `Usage: npm run seed:demo -- [--customers N] [--force]

Fills a fresh install with demo data through the app's HTTP API: partners, locations, additional fields
and customers with six months of history. Uses the database npm start would (DATA_DIR / DATABASE_URL);
on the embedded database, stop the app first.

Options:
  --customers N   how many customers, 1..5000 (default 300)
  --force         seed also when customers exist already
  -h, --help      show this help
`;
const KNOWN_OPTIONS = new Set(['--customers', '--force', '--help', '-h']);

const DAY = 86_400_000;
const HISTORY_DAYS = 180;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 5000) throw new Error(`--${name} takes a whole number 1..5000`);
  return value;
}

/** A small deterministic PRNG (mulberry32), so every run seeds the same demo. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ----- a shiftable clock ----------------------------------------------------------------------
const RealDate = Date;
let offsetMs = 0;
let travelled = false;
/** Date with `now` moved back by offsetMs; time keeps flowing, so timeouts and deadlines still work. */
class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() - offsetMs);
    else super(...(args as [string]));
  }
  static override now(): number {
    return RealDate.now() - offsetMs;
  }
}
/** Moves the clock to `at` (never backwards: the actions come in time order). */
function travelTo(at: number): void {
  const wanted = Math.max(0, RealDate.now() - at);
  offsetMs = travelled ? Math.min(offsetMs, wanted) : wanted;
  travelled = true;
}

// ----- demo data ------------------------------------------------------------------------------
const FIRST = ['Thandi', 'Sipho', 'Lerato', 'Pieter', 'Anika', 'Johan', 'Naledi', 'Kagiso', 'Ayesha', 'Ravi', 'Megan', 'Liam', 'Zanele', 'Bongani', 'Fatima', 'Ethan', 'Chloe', 'Themba', 'Mpho', 'Nomsa', 'Hendrik', 'Priya', 'Sarah', 'David', 'Lindiwe', 'Tshepo', 'Grace', 'Yusuf', 'Elna', 'Musa'];
const LAST = ['Dlamini', 'Naidoo', 'van der Merwe', 'Botha', 'Mokoena', 'Khumalo', 'Pillay', 'Smith', 'Nkosi', 'Pretorius', 'Mahlangu', 'Ndlovu', 'Jacobs', 'Govender', 'Petersen', 'Molefe', 'Steyn', 'Zulu', 'Adams', 'Coetzee'];
const COMPANIES = ['Harbour Logistics', 'Blue Crane Media', 'Karoo Farm Supplies', 'Protea Dental', 'Umhlanga Books', 'Table Bay Consulting', 'Veld & Vine Wines', 'Baobab Tech', 'Ubuntu Crafts', 'Sunbird Travel'];
const PLACES: [string, string, string][] = [
  ['Durban', '4001', 'Smith Street'],
  ['Cape Town', '8001', 'Long Street'],
  ['Johannesburg', '2001', 'Main Road'],
  ['Pretoria', '0002', 'Church Street'],
  ['Bloemfontein', '9301', 'Nelson Mandela Drive'],
];
const LABELS = ['fibre', 'voip', 'vip', 'business', 'student', 'wireless'];
const PARTNERS = ['Coastal Fibre', 'Highveld Wireless', 'Karoo Connect'];
const COMMENTS = ['Called about slow speeds in the evening; line test fine', 'Asked for an upgrade quote to 100 Mbps', 'Router replaced under warranty', 'Prefers contact by email', 'Moved the installation to the new address', 'Queried the last invoice; explained the pro-rata charge'];
const PAYMENT_METHODS = ['eft', 'debit_order', 'credit_card', 'cash', 'bank_transfer'] as const;
const PLANS: [string, number][] = [
  ['Fibre 25 Mbps', 499],
  ['Fibre 50 Mbps', 699],
  ['Fibre 100 Mbps', 899],
  ['Wireless 10 Mbps', 349],
  ['VoIP line', 129],
];

interface Action {
  at: number;
  order: number;
  /** The customer it belongs to: one customer's actions never run at the same time. */
  key: number;
  run: () => Promise<void>;
}

/** Requests in flight at once (different customers, neighbouring times). */
const CONCURRENCY = 8;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const unknown = process.argv.slice(2).find((argument) => argument.startsWith('-') && !KNOWN_OPTIONS.has(argument));
  if (unknown) throw new Error(`unknown option ${unknown} (see --help)`);
  const customers = option('customers', 300);
  const force = process.argv.includes('--force');
  const config = loadAppConfig(process.env, { port: 0 });
  const { AppModule } = await import('../app.module.js');
  // No Nest logger until the app stands (as main.ts): a refusal at start (the embedded database in use)
  // is printed once by main's catch, not also as Nest's stack trace.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ ...config, logLevel: 'warn' } as typeof config), {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  configureHttpApp(app, config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/api/v1`;
  const startedAt = RealDate.now();
  let requests = 0;
  try {
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: config.adminEmail, password: config.adminPassword }) });
    if (!login.ok) throw new Error(`Logging in as ${config.adminEmail} answered ${login.status}: set ADMIN_EMAIL / ADMIN_PASSWORD to an administrator of this install`);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
      requests++;
      const response = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
      return (text ? JSON.parse(text) : {}) as T;
    };
    const existing = await call<{ total?: number }>('GET', '/customers?limit=1&total=true');
    if ((existing.total ?? 0) > 0 && !force) {
      throw new Error(`This install has ${existing.total} customers already; seed:demo fills a fresh one (add --force to add the demo anyway)`);
    }

    // From here on the requests are stamped with the simulated day (the access token stays valid: its
    // expiry is in the real future, which is further still from the simulated past).
    (globalThis as { Date: DateConstructor }).Date = ShiftedDate as DateConstructor;
    const now = RealDate.now();
    travelTo(now - HISTORY_DAYS * DAY - DAY);
    const partnerIds: number[] = [];
    for (const name of PARTNERS) partnerIds.push((await call<{ id: number }>('POST', '/partners', { name })).id);
    const locationIds: number[] = [];
    for (const [city] of PLACES) locationIds.push((await call<{ id: number }>('POST', '/locations', { name: city })).id);
    await call('POST', '/additional-fields', { name: 'router_model', label: 'Router model', type: 'select', options: ['TP-Link Archer', 'MikroTik hAP', 'Huawei HG8145', 'Own router'], required: false });
    await call('POST', '/additional-fields', { name: 'contract_end', label: 'Contract end', type: 'date', required: false });

    const rand = random(20261207);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
    const chance = (p: number) => rand() < p;
    const actions: Action[] = [];
    let order = 0;
    let key = 0;
    const schedule = (at: number, run: () => Promise<void>) => actions.push({ at: Math.min(at, now - 60_000), order: order++, key, run });

    for (let index = 0; index < customers; index++) {
      key = index;
      const company = chance(0.15);
      const first = pick(FIRST);
      const last = pick(LAST);
      const fullName = company ? `${pick(COMPANIES)}${index >= COMPANIES.length ? ` ${Math.floor(index / COMPANIES.length)}` : ''}` : `${first} ${last}`;
      const [city, zip, street] = pick(PLACES);
      const partner = pick(partnerIds);
      const [plan, price] = pick(PLANS);
      const createdAt = now - Math.floor(rand() * HISTORY_DAYS * DAY);
      const mail = `${(company ? fullName : `${first}.${last}`).toLowerCase().replace(/[^a-z]+/g, '.')}${index}@example.co.za`;
      const phone = `+27 ${pick(['82', '83', '72', '71', '61'])} ${String(Math.floor(rand() * 900) + 100)} ${String(Math.floor(rand() * 9000) + 1000)}`;
      const state = { id: 0 };
      const later = (days: number) => createdAt + days * DAY + Math.floor(rand() * DAY);
      schedule(createdAt, async () => {
        const created = await call<{ id: number }>('POST', '/customers', {
          fullName,
          category: company ? 'company' : 'person',
          partnerId: partner,
          locationId: locationIds[PLACES.findIndex(([name]) => name === city)],
          emails: [mail],
          phones: [phone],
          street: `${Math.floor(rand() * 200) + 1} ${street}`,
          city,
          zipCode: zip,
          labels: [...new Set([plan.startsWith('VoIP') ? 'voip' : plan.startsWith('Wireless') ? 'wireless' : 'fibre', ...(chance(0.3) ? [pick(LABELS)] : [])])],
          billingType: pick(['recurring', 'recurring', 'recurring', 'prepaid_custom', 'prepaid_daily']),
          additionalFields: chance(0.6) ? { router_model: pick(['TP-Link Archer', 'MikroTik hAP', 'Huawei HG8145', 'Own router']) } : {},
          ...(company ? { companyId: `2019/${100000 + index}/07`, contactPerson: `${first} ${last}` } : {}),
        });
        state.id = created.id;
      });
      const lead = chance(0.05);
      if (lead) {
        schedule(later(1), async () => void (await call('POST', `/customers/${state.id}/convert-to-lead`, { reason: 'Asked for a quote only' })));
        continue;
      }
      if (chance(0.08)) continue; // still New: installation pending
      const activated = 1 + Math.floor(rand() * 5);
      schedule(later(activated), async () => void (await call('POST', `/customers/${state.id}/status`, { status: 'active', reason: 'Installation done' })));
      const ageDays = Math.floor((now - createdAt) / DAY);
      for (let month = 0; month * 30 + activated + 2 < ageDays; month++) {
        const day = activated + 2 + month * 30;
        schedule(later(day), async () => void (await call('POST', `/customers/${state.id}/charges`, { amount: price, description: `${plan}, month ${month + 1}` })));
        if (chance(0.9)) schedule(later(day + 3), async () => void (await call('POST', `/customers/${state.id}/payments`, { amount: price, method: pick(PAYMENT_METHODS), reference: `INV-${state.id}-${month + 1}` })));
      }
      if (chance(0.35)) schedule(later(Math.floor(rand() * ageDays)), async () => void (await call('POST', `/customers/${state.id}/comments`, { text: pick(COMMENTS), type: pick(['support', 'call', 'service']) })));
      if (chance(0.2)) schedule(later(Math.floor(rand() * ageDays)), async () => void (await call('POST', `/customers/${state.id}/cap`, { megabytes: pick([1024, 5120, 10240]), reason: 'Goodwill after an outage' })));
      if (chance(0.15) && ageDays > 40) {
        const blockedDay = 30 + Math.floor(rand() * (ageDays - 35));
        schedule(later(blockedDay), async () => void (await call('POST', `/customers/${state.id}/status`, { status: 'blocked', reason: 'Payment overdue' })));
        schedule(later(blockedDay), async () => void (await call('POST', `/customers/${state.id}/notes`, { text: 'Blocked for non-payment; unblock once the arrears are paid', kind: 'debtor', popup: chance(0.4) })));
        if (chance(0.7)) schedule(later(blockedDay + 4), async () => void (await call('POST', `/customers/${state.id}/status`, { status: 'active', reason: 'Arrears paid' })));
      } else if (chance(0.05) && ageDays > 60) {
        schedule(later(ageDays - 5), async () => void (await call('POST', `/customers/${state.id}/status`, { status: 'inactive', reason: 'Cancelled: moved away' })));
      }
      if (chance(0.1)) schedule(later(Math.floor(rand() * ageDays)), async () => void (await call('POST', `/customers/${state.id}/notes`, { text: 'Prefers a technician visit in the morning', kind: 'internal', popup: false })));
    }

    actions.sort((a, b) => a.at - b.at || a.order - b.order);
    let done = 0;
    for (let next = 0; next < actions.length; ) {
      const group: Action[] = [];
      const keys = new Set<number>();
      while (next < actions.length && group.length < CONCURRENCY && !keys.has(actions[next].key)) {
        keys.add(actions[next].key);
        group.push(actions[next++]);
      }
      travelTo(group[0].at);
      await Promise.all(group.map((action) => action.run()));
      const before = done;
      done += group.length;
      if (Math.floor(done / 500) > Math.floor(before / 500)) process.stderr.write(`seed:demo: ${done}/${actions.length} actions\n`);
    }
    offsetMs = 0;
    const seconds = (RealDate.now() - startedAt) / 1000;
    process.stdout.write(
      `seed:demo: ${customers} customers, ${PARTNERS.length} partners, ${PLACES.length} locations, ${actions.length} customer actions over ${HISTORY_DAYS} days (${requests} requests, ${seconds.toFixed(1)} s)\n` +
        `Log in at http://localhost:${process.env.PORT ?? 3000}/ as ${config.adminEmail} after \`npm start\`.\n`,
    );
  } finally {
    (globalThis as { Date: DateConstructor }).Date = RealDate;
    await app.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`seed:demo: ${error.message}\n`);
  process.exit(1);
});
