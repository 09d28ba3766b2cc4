#!/usr/bin/env node
/**
 * Master-key rotation: re-wraps every customer data key (crypto-shredding, table personal_data_keys)
 * from the old master key to a new one, with a progress bar:
 *
 *   npm run keys:rotate -- --new-key-file new.key
 *
 * The old key is the app's ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE, or the development key in
 * DATA_DIR/secrets), or --old-key-file. Keys are read from files (or NEW_ENCRYPTION_KEY), never from
 * the command line, so they stay out of shell history and process lists. Batches of rows are each
 * re-wrapped in one transaction; a run that stops half way is finished by running it again.
 * Destroyed (erased) keys stay destroyed. See SECURITY.md, "Rotating the master key".
 */
import cliProgress from 'cli-progress';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, IN_MEMORY, loadAppConfig } from '../config/app-config.js';
import { decodeKey, isKnownKey } from '../config/secrets.js';
import { masterKeyId, migratePersonalDataKeys, PERSONAL_DATA_KEYS_TABLE, rewrapDataKeys } from '../crypto/personal-data-keys.js';
import { DataDirLockedError } from '../database/data-dir-lock.js';
import { openDatabase, type Database } from '../database/database.js';
import { sql } from 'kysely';

export const USAGE = `Usage: npm run keys:rotate -- --new-key-file <file> [options]

Re-wraps every customer data key (personal data encryption) from the old master key to a new one.
Events are not touched: they hold ciphertext of the data keys, which do not change.

Options:
  --new-key-file <file>   the new master key (32 bytes: 64 hex characters or base64); or NEW_ENCRYPTION_KEY
  --old-key-file <file>   the current master key (default: ENCRYPTION_KEY / ENCRYPTION_KEY_FILE as the app reads it)
  --batch-size <n>        keys per transaction (default 500)
  --dry-run               count what would be re-wrapped, change nothing
  -h, --help              show this help

Environment: DATABASE_URL (else PGlite in DATA_DIR, default ./data), as the app.
The embedded database (PGlite) can be rotated only while the app is stopped (it holds the data folder).
Afterwards start the app with ENCRYPTION_KEY=<new key> and ENCRYPTION_KEY_PREVIOUS=<old key>: the old key
still opens the portal passwords and PINs sealed in older events (it never seals again).`;

export class UsageError extends Error {}

interface Arguments {
  newKeyFile?: string;
  oldKeyFile?: string;
  batchSize: number;
  dryRun: boolean;
  help: boolean;
}

export function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = { batchSize: 500, dryRun: false, help: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const valueOf = () => {
      const value = argument.includes('=') ? argument.slice(argument.indexOf('=') + 1) : argv[++index];
      if (value === undefined || value === '') throw new UsageError(`${argument.split('=')[0]} needs a value`);
      return value;
    };
    if (argument === '-h' || argument === '--help') parsed.help = true;
    else if (argument === '--dry-run') parsed.dryRun = true;
    else if (argument === '--new-key-file' || argument.startsWith('--new-key-file=')) parsed.newKeyFile = valueOf();
    else if (argument === '--old-key-file' || argument.startsWith('--old-key-file=')) parsed.oldKeyFile = valueOf();
    else if (argument === '--batch-size' || argument.startsWith('--batch-size=')) {
      const value = valueOf();
      const size = Number(value);
      if (!Number.isInteger(size) || size < 1) throw new UsageError(`--batch-size needs a positive integer, got "${value}"`);
      parsed.batchSize = size;
    } else if (argument === '--new-key' || argument === '--old-key' || argument.startsWith('--new-key=') || argument.startsWith('--old-key=')) {
      throw new UsageError('Keys are not taken on the command line (shell history, process list): use --new-key-file / --old-key-file');
    } else throw new UsageError(`Unknown argument ${argument}`);
  }
  return parsed;
}

function keyFromFile(file: string, what: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const key = decodeKey(text);
  if (!key) throw new UsageError(`${what} in ${file} is not 32 bytes as 64 hex characters or base64`);
  return key;
}

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The rotation without process wiring; returns the exit code. `open` opens the database (PGlite refuses while the app holds it). */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo, open: (env: NodeJS.ProcessEnv) => Promise<Database> = openFromEnvironment): Promise<number> {
  let args: Arguments;
  let oldKey: Buffer;
  let newKey: Buffer;
  try {
    args = parseArguments(argv);
    if (args.help) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    const newKeyText = env.NEW_ENCRYPTION_KEY;
    if (!args.newKeyFile && !newKeyText) throw new UsageError('Name the new master key: --new-key-file <file> (make one with: openssl rand -base64 32 > new.key)');
    newKey = args.newKeyFile ? keyFromFile(args.newKeyFile, 'The new key') : (decodeKey(newKeyText!.trim()) ?? (() => { throw new UsageError('NEW_ENCRYPTION_KEY is not 32 bytes as 64 hex characters or base64'); })());
    oldKey = args.oldKeyFile ? keyFromFile(args.oldKeyFile, 'The old key') : loadAppConfig(env).encryptionKey;
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof ConfigError)) throw error;
    io.err.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (newKey.equals(oldKey)) {
    io.err.write('Refused: the new master key is the current one.\n');
    return 1;
  }
  if (isKnownKey(newKey)) {
    io.err.write('Refused: the new master key is a published example value or has no variety; generate one (openssl rand -base64 32).\n');
    return 1;
  }

  let database: Database;
  try {
    database = await open(env);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      io.err.write(
        `Refused: ${error.message}\nThe rotation needs the embedded database to itself: a running app would keep wrapping new customer keys with the old master key. ` +
          'Stop the app, run the rotation, then start the app with the new ENCRYPTION_KEY.\n',
      );
      return 1;
    }
    throw error;
  }
  try {
    await migratePersonalDataKeys(database.db);
    const oldId = masterKeyId(oldKey);
    const newId = masterKeyId(newKey);
    const { rows } = await sql<{ master_key_id: string; live: string; erased: string }>`
      select master_key_id, count(*) filter (where wrapped_key is not null) as live, count(*) filter (where wrapped_key is null) as erased
      from ${sql.table(PERSONAL_DATA_KEYS_TABLE)} group by master_key_id`.execute(database.db);
    const live = (id: string) => Number(rows.find((row) => row.master_key_id === id)?.live ?? 0);
    const foreign = rows.filter((row) => row.master_key_id !== oldId && row.master_key_id !== newId && Number(row.live) > 0);
    if (foreign.length > 0) {
      io.err.write(
        `Refused: ${foreign.map((row) => `${row.live} keys wrapped by master key ${row.master_key_id}`).join(', ')}, which is neither the old (${oldId}) nor the new (${newId}) one. ` +
          'Nothing was changed. Name the right old key with --old-key-file.\n',
      );
      return 1;
    }
    io.out.write(`Master key ${oldId} → ${newId}: ${live(oldId)} data keys to re-wrap, ${live(newId)} already re-wrapped, ${rows.reduce((sum, row) => sum + Number(row.erased), 0)} destroyed (erased).\n`);
    if (args.dryRun) {
      io.out.write('Dry run: nothing changed.\n');
      return 0;
    }
    if (database.kind === 'postgres') {
      io.out.write('Note: on a shared PostgreSQL a running app may make new keys with the old master key meanwhile; run this again after restarting the app with the new key (and ENCRYPTION_KEY_PREVIOUS) to re-wrap those.\n');
    }
    const bar = new cliProgress.SingleBar(
      { format: 'Re-wrapping [{bar}] {percentage}% | {value}/{total} data keys | ETA {eta_formatted}', stream: io.err, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const result = await rewrapDataKeys(database.db, oldKey, newKey, {
      batchSize: args.batchSize,
      onProgress: ({ total, done }) => {
        if (!started) {
          bar.start(Math.max(total, 1), done);
          started = true;
        } else bar.update(done);
        if (done > total) bar.setTotal(done);
      },
    });
    if (started) {
      bar.update(Math.max(result.rewrapped, 1));
      bar.stop();
    }
    io.out.write(
      `Re-wrapped ${result.rewrapped} data keys. Now start the app with ENCRYPTION_KEY set to the new key and ENCRYPTION_KEY_PREVIOUS to the old one ` +
        '(it opens portal passwords and PINs sealed before; keep the old key until they have all been reset, or for good).\n',
    );
    return 0;
  } catch (error) {
    io.err.write(`Rotation failed: ${(error as Error).message}\nRows already re-wrapped stay so; running the rotation again finishes it.\n`);
    return 1;
  } finally {
    await database.close();
  }
}

/** The database as the app opens it (PGlite in DATA_DIR refuses while the app holds the folder). */
export async function openFromEnvironment(env: NodeJS.ProcessEnv): Promise<Database> {
  const config = loadAppConfig(env);
  return openDatabase({
    connectionString: config.databaseUrl,
    dataDir: config.databaseUrl || config.dataDir === IN_MEMORY ? undefined : join(config.dataDir, 'pglite'),
    poolSize: 2,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runCli(process.argv.slice(2), process.env, { out: process.stdout, err: process.stderr }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
