/**
 * The boundaries of the code, enforced. Every import of src/ and projections/ is read with the
 * TypeScript compiler's own pre-processor (imports, re-exports, dynamic imports) and checked
 * against four rules:
 *
 * 1. The domain kernel (src/domain-kernel) imports nothing but itself.
 * 2. A domain/ folder imports only its own folder, the kernel, and the public index of a domain it
 *    declares it builds on (customers → reference-data: a customer holds additional field values
 *    that reference data defines). No package, no Nest, no SQL, no other layer. The declared
 *    dependencies may not form a cycle.
 * 3. Outside projections/, only the projection runtime and the CLI import the registry
 *    (projections/index.ts), and only a module's queries/ folder and src/live (the timeline's live
 *    edge) import a projection's read side (projections/<name>/*.queries.ts). Nothing in src/
 *    imports a projection's write side.
 * 4. A feature module (admins, auth, customers, reference-data, live, feed) reaches into another one
 *    only through its public surface: its index.ts, its domain/index.ts, its Nest *.module.ts files,
 *    or a file listed in PUBLIC_FILES below. Shared platform folders (common, config, database,
 *    event-store, event-sourcing, …) are open to all.
 *
 * Besides, no spec lives under src/ or projections/ (specs live under test/, see the README), and a
 * field limit is a named constant, never a number typed into a text validator or DTO decorator.
 * The rules are pure functions over {from, to} pairs, so the cases at the bottom feed them the
 * cross-imports this code had before the kernel moved out of customers, and each is refused.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();

interface Import {
  /** The importing file, relative to the repository root ('src/customers/domain/customer.types.ts'). */
  from: string;
  /** The imported file (relative, '.ts'), or 'package:<name>' / 'node:<name>' for the rest. */
  to: string;
}

const KERNEL = 'src/domain-kernel/';
const FEATURE_MODULES = ['admins', 'auth', 'customers', 'reference-data', 'live', 'feed', 'portal'];
/** Which domain builds on which (acyclic): the customer's additional fields are defined by reference data. */
const DOMAIN_DEPENDENCIES: Record<string, string[]> = { customers: ['reference-data'], 'reference-data': [], admins: [] };
/** Files beyond index.ts / domain/index.ts / *.module.ts that a module offers to the others. */
const PUBLIC_FILES: Record<string, string[]> = {
  auth: ['decorators.ts', 'auth.guard.ts', 'partner-scope.ts', 'partner-scopes.ts', 'socket-authenticator.ts'],
  // The providers AdminsModule exports for auth: the directory of admins, hashing (and rehashing an
  // older hash at a login), revoking sessions, and the re-authentication port auth's login limiter plugs into.
  admins: [
    'application/admin-directory.ts',
    'application/admin.commands.ts',
    'application/password-hasher.ts',
    'application/password-rehash.ts',
    'application/session-revoker.ts',
    'application/reauthentication.ts',
  ],
  // The readers ReferenceDataModule exports for customer commands.
  'reference-data': ['application/reference-data.reader.ts', 'application/reference-usage.ts'],
  // What the feed needs of the live module: the one activity entry, the partner directory.
  live: ['activity-entry.ts', 'customer-partners.ts'],
  // The automatic command runner (src/automation) decides due actions through the executor; the portal
  // asks the query bus for a customer's profile.
  customers: ['application/customer-command-executor.ts', 'queries/customer.queries.ts', 'queries/customer-read-models.ts'],
  feed: [],
  portal: [],
};

/**
 * Imports that break a rule today and are being removed; the list can only shrink: the spec fails
 * when an entry no longer breaks a rule (delete it then).
 */
const KNOWN_EXCEPTIONS: Import[] = [
  // The read models still query the projections' tables directly; each projection's queries are moving next to it.
  { from: 'src/customers/queries/customer-query.dto.ts', to: 'projections/customer-list/customer-list.projection.ts' },
  { from: 'src/customers/queries/customer-read-models.ts', to: 'projections/customer-list/customer-list.projection.ts' },
  { from: 'src/customers/queries/customer-read-models.ts', to: 'projections/customer-profile/customer-profile.projection.ts' },
  { from: 'src/customers/queries/customer-read-models.ts', to: 'projections/customer-stats/customer-stats.projection.ts' },
  { from: 'src/customers/queries/customer-read-models.ts', to: 'projections/reference-data/reference-data.projection.ts' },
  { from: 'src/reference-data/queries/reference-data.queries.ts', to: 'projections/reference-data/reference-data.projection.ts' },
  { from: 'src/reference-data/queries/reference-data.queries.ts', to: 'projections/customer-stats/customer-stats.projection.ts' },
  // The write answer and If-Match handling are moving to src/common with the one error mapper.
  { from: 'src/reference-data/http/reference-data.controller.ts', to: 'src/customers/http/write-http.ts' },
];

const moduleOf = (file: string): string | null => {
  const match = /^src\/([^/]+)\//.exec(file);
  return match ? match[1] : null;
};
const domainOf = (file: string): string | null => {
  const match = /^src\/([^/]+)\/domain\//.exec(file);
  return match ? match[1] : null;
};
const isPackage = (to: string) => to.startsWith('package:') || to.startsWith('node:');

function kernelRule({ from, to }: Import): string | null {
  if (!from.startsWith(KERNEL)) return null;
  return to.startsWith(KERNEL) ? null : 'the domain kernel imports only itself';
}

function domainRule({ from, to }: Import): string | null {
  const domain = domainOf(from);
  if (domain === null) return null;
  if (isPackage(to)) return `a domain/ folder imports no package (${to.replace(/^package:/, '')}): it stays pure`;
  if (to.startsWith(`src/${domain}/domain/`) || to.startsWith(KERNEL)) return null;
  const other = domainOf(to);
  if (other !== null && (DOMAIN_DEPENDENCIES[domain] ?? []).includes(other)) {
    return to === `src/${other}/domain/index.ts` ? null : `the ${domain} domain imports the ${other} domain through its index.ts only`;
  }
  return `a domain/ folder imports only its own folder and src/domain-kernel`;
}

function projectionRule({ from, to }: Import): string | null {
  if (!to.startsWith('projections/') || from.startsWith('projections/')) return null;
  if (!from.startsWith('src/')) return null;
  if (to === 'projections/index.ts') {
    return /^src\/(projections-runtime|cli)\//.test(from) ? null : 'only the projection runtime and the CLI import the projection registry';
  }
  if (/^projections\/[^/]+\/[^/]+\.queries\.ts$/.test(to)) {
    return /^src\/([^/]+\/queries|live)\//.test(from) ? null : "only a module's queries/ folder and the live timeline import a projection's read side";
  }
  return "src/ imports a projection only through the registry or its read side (<name>.queries.ts)";
}

function moduleRule({ from, to }: Import): string | null {
  const source = moduleOf(from);
  const target = moduleOf(to);
  if (target === null || source === target || !FEATURE_MODULES.includes(target)) return null;
  const inside = to.slice(`src/${target}/`.length);
  if (inside === 'index.ts' || inside === 'domain/index.ts' || inside.endsWith('.module.ts')) return null;
  if ((PUBLIC_FILES[target] ?? []).includes(inside)) return null;
  return `reaches into the ${target} module's internals (${inside}): import its index.ts or make the file public`;
}

/** Every rule an import breaks. */
function violations(edge: Import): string[] {
  return [kernelRule, domainRule, projectionRule, moduleRule].map((rule) => rule(edge)).filter((why): why is string => why !== null);
}

/** The import specifiers of a TypeScript source, as the compiler sees them (type-only ones included). */
function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function resolveSpecifier(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) {
    const name = specifier.replace(/^node:/, '');
    if (specifier.startsWith('node:') || builtinModules.includes(name)) return `node:${name}`;
    return `package:${specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]}`;
  }
  const target = normalize(join(dirname(from), specifier)).replace(/\\/g, '/');
  return target.replace(/\.js$/, '.ts');
}

function sourceFiles(folder: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(join(ROOT, path))) {
      const child = `${path}/${entry}`;
      if (statSync(join(ROOT, child)).isDirectory()) walk(child);
      else if (child.endsWith('.ts')) found.push(child);
    }
  };
  walk(folder);
  return found;
}

function importsOf(files: string[]): Import[] {
  return files.flatMap((from) =>
    importSpecifiers(readFileSync(join(ROOT, from), 'utf8')).map((specifier) => ({ from, to: resolveSpecifier(from, specifier) })),
  );
}

const key = (edge: Import) => `${edge.from} -> ${edge.to}`;

describe('architecture', () => {
  const files = [...sourceFiles('src'), ...sourceFiles('projections')];
  const edges = importsOf(files);

  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.some((edge) => edge.from === 'src/event-sourcing/command-runner.ts' && edge.to === 'src/domain-kernel/decider.ts')).toBe(true);
  });

  it('every import keeps the boundaries (or is a known exception being removed)', () => {
    const known = new Set(KNOWN_EXCEPTIONS.map(key));
    const broken = edges
      .filter((edge) => !known.has(key(edge)))
      .flatMap((edge) => violations(edge).map((why) => `${key(edge)}: ${why}`));
    expect(broken).toEqual([]);
  });

  it('every known exception still breaks a rule (else delete it from the list)', () => {
    const present = new Set(edges.map(key));
    const stale = KNOWN_EXCEPTIONS.filter((edge) => !present.has(key(edge)) || violations(edge).length === 0).map(key);
    expect(stale).toEqual([]);
  });

  it('the declared domain dependencies form no cycle', () => {
    const visit = (domain: string, path: string[]): string[] | null => {
      if (path.includes(domain)) return [...path, domain];
      for (const next of DOMAIN_DEPENDENCIES[domain] ?? []) {
        const cycle = visit(next, [...path, domain]);
        if (cycle) return cycle;
      }
      return null;
    };
    for (const domain of Object.keys(DOMAIN_DEPENDENCIES)) expect(visit(domain, [])).toBeNull();
  });

  it('no spec lives under src/ or projections/', () => {
    expect(files.filter((file) => /\.(e2e-)?spec\.ts$/.test(file))).toEqual([]);
  });

  it('field limits are named constants: no number literal in a text validator or a DTO text decorator', () => {
    const literal = /\b(requiredText|optionalText|textList|emailList|phoneList|RequiredText|OptionalText|OptionalTextList|OptionalEmailList)\(\s*\d/;
    const offending = files
      .filter((file) => !file.startsWith(KERNEL))
      .flatMap((file) => readFileSync(join(ROOT, file), 'utf8').split('\n').map((line, index) => ({ file, line, index })))
      .filter(({ line }) => literal.test(line))
      .map(({ file, line, index }) => `${file}:${index + 1}: ${line.trim()}`);
    expect(offending).toEqual([]);
  });

  it.each([
    ['the Decider type', /^\s*(export\s+)?(interface|type)\s+Decider\b\s*[<={]/m, ['src/domain-kernel/decider.ts']],
    ['the activity entry', /^\s*(export\s+)?(interface|type)\s+ActivityEntry\b\s*[<={]/m, ['projections/customer-activity/customer-activity.queries.ts']],
    ['occurredAt', /^\s*(export\s+)?function\s+occurredAt\b/m, ['src/event-store/event-facts.ts']],
    ['actorOf(event)', /^\s*(export\s+)?function\s+actorOf\(event/m, ['src/event-store/event-facts.ts']],
    ['the customer stream-id parser', /^\s*(export\s+)?function\s+customerIdOfStream\b/m, ['src/customers/domain/customer.types.ts']],
    ['EVENTS_CHANNEL', /^\s*export\s+const\s+EVENTS_CHANNEL\b/m, ['src/event-store/postgres/postgres-event-store.ts']],
  ])('%s is declared once', (_what, declaration, where) => {
    expect(files.filter((file) => declaration.test(readFileSync(join(ROOT, file), 'utf8')))).toEqual(where);
  });

  it('there is one Decider type: only the kernel declares it', () => {
    const declaring = files.filter((file) => /^\s*(export\s+)?(interface|type)\s+Decider\b/m.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(declaring).toEqual(['src/domain-kernel/decider.ts']);
  });
});

describe('architecture rules refuse the imports this code had before the kernel moved', () => {
  const refused: [Import, RegExp][] = [
    // the kernel inside customers, imported by the other domains
    [{ from: 'src/admins/domain/admin.ts', to: 'src/customers/domain/kernel/errors.ts' }, /only its own folder and src\/domain-kernel/],
    [{ from: 'src/reference-data/domain/named-entities.ts', to: 'src/customers/domain/kernel/decider.ts' }, /only its own folder/],
    // reference data ↔ customers, both ways
    [{ from: 'src/reference-data/domain/customer-settings.ts', to: 'src/customers/domain/customer.validation.ts' }, /only its own folder/],
    [{ from: 'src/customers/domain/customer.types.ts', to: 'src/reference-data/domain/additional-field-definitions.ts' }, /through its index.ts only/],
    // a domain importing a package or another layer
    [{ from: 'src/customers/domain/customer.decider.ts', to: 'package:@nestjs/common' }, /imports no package/],
    [{ from: 'src/customers/domain/customer.decider.ts', to: 'src/event-store/event-store.port.ts' }, /only its own folder/],
    [{ from: 'src/domain-kernel/errors.ts', to: 'src/common/problem.ts' }, /kernel imports only itself/],
    // projections reached from src/
    [{ from: 'src/live/live.module.ts', to: 'projections/customer-activity/activity-summary.ts' }, /registry or its read side/],
    [{ from: 'src/customers/queries/customer-read-models.ts', to: 'projections/customer-stats/customer-stats.projection.ts' }, /registry or its read side/],
    [{ from: 'src/feed/feed.service.ts', to: 'projections/customer-activity/customer-activity.queries.ts' }, /queries\/ folder and the live timeline/],
    [{ from: 'src/feed/feed.module.ts', to: 'projections/index.ts' }, /runtime and the CLI/],
    // one module in another's internals
    [{ from: 'src/reference-data/queries/reference-data-queries.controller.ts', to: 'src/customers/queries/id-param.pipe.ts' }, /customers module's internals/],
    [{ from: 'src/reference-data/http/reference-data.controller.ts', to: 'src/customers/http/write-http.ts' }, /customers module's internals/],
    [{ from: 'src/admins/application/admin-command-executor.ts', to: 'src/reference-data/domain/partners.ts' }, /reference-data module's internals/],
  ];
  it.each(refused)('%o is refused', (edge, why) => {
    expect(violations(edge).join('; ')).toMatch(why);
  });

  const allowed: Import[] = [
    { from: 'src/customers/domain/customer.decider.ts', to: 'src/domain-kernel/decider.ts' },
    { from: 'src/customers/domain/customer.types.ts', to: 'src/reference-data/domain/index.ts' },
    { from: 'src/customers/queries/customer-read-models.ts', to: 'projections/customer-stats/customer-stats.queries.ts' },
    { from: 'src/projections-runtime/projections.module.ts', to: 'projections/index.ts' },
    { from: 'src/live/live.module.ts', to: 'projections/customer-activity/customer-activity.queries.ts' },
    { from: 'src/customers/queries/customer-queries.controller.ts', to: 'src/auth/partner-scope.ts' },
    { from: 'src/customers/customers.module.ts', to: 'src/reference-data/reference-data.module.ts' },
    { from: 'src/customers/application/customer.handlers.ts', to: 'src/common/problem.ts' },
  ];
  it.each(allowed)('%o is allowed', (edge) => {
    expect(violations(edge)).toEqual([]);
  });

  it('reads type-only imports, re-exports and dynamic imports', () => {
    const specifiers = importSpecifiers(
      "import type { A } from './a.js';\nexport * from './b.js';\nexport { c } from '../c.js';\nconst d = await import('./d.js');\nimport 'reflect-metadata';",
    );
    expect(specifiers).toEqual(expect.arrayContaining(['./a.js', './b.js', '../c.js', './d.js', 'reflect-metadata']));
  });

  it('names a relative import by its file', () => {
    expect(relative(ROOT, join(ROOT, 'src/a/b.ts'))).toBe('src/a/b.ts');
    expect(resolveSpecifier('src/customers/domain/index.ts', '../../domain-kernel/errors.js')).toBe('src/domain-kernel/errors.ts');
    expect(resolveSpecifier('src/x.ts', 'node:fs')).toBe('node:fs');
    expect(resolveSpecifier('src/x.ts', '@nestjs/common/decorators')).toBe('package:@nestjs/common');
  });
});
