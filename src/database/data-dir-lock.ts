import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

/**
 * One process per PGlite data folder. PGlite has no lock of its own: a second process opening the
 * same folder (say `projections:rebuild` while the app serves) corrupts it. The lock is a file
 * created exclusively (O_EXCL) holding the owner's pid, its start time and, once it serves HTTP,
 * its port, so that a second process can tell who holds the folder and talk to it instead.
 * A lock whose process is gone (crash, SIGKILL) is stale and taken over.
 */
/** The lock of a data folder: a file beside it (inside, PGlite would take it for its own). */
export function lockFileOf(folder: string): string {
  return `${folder.replace(/[\\/]+$/, '')}.lock`;
}

export interface LockOwner {
  pid: number;
  hostname: string;
  /** Process start time (Linux /proc, clock ticks since boot), so a reused pid is not taken for the owner. */
  processStart: string | null;
  startedAt: string;
  /** Set by the app once it listens: where its HTTP API answers. */
  port?: number;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly folder: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The embedded database in ${folder} is in use by process ${owner.pid}` +
        `${owner.port ? ` (Chronicle serving on port ${owner.port})` : ''}, since ${owner.startedAt}. ` +
        'Only one process may open a PGlite data folder: stop that process first, or use a PostgreSQL server (DATABASE_URL).',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly folder: string;
  /** Records where this process serves HTTP, for other processes that find the folder locked. */
  advertise(details: { port: number }): void;
  release(): void;
}

/** Takes the folder's lock or throws DataDirLockedError naming the live owner. */
export function lockDataDir(folder: string): DataDirLock {
  const file = lockFileOf(folder);
  mkdirSync(dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, hostname: hostname(), processStart: processStartOf(process.pid), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readLockOwner(folder);
      if (owner && isAlive(owner)) throw new DataDirLockedError(folder, owner);
      if (attempt >= 3) throw new Error(`Cannot take the lock ${file}: it keeps reappearing`);
      removeStale(file, owner);
    }
  }
  let released = false;
  const onExit = () => release();
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    try {
      if (readLockOwner(folder)?.pid === me.pid) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);
  return {
    folder,
    advertise({ port }) {
      if (!released) writeFileSync(file, JSON.stringify({ ...me, port }), { mode: 0o600 });
    },
    release,
  };
}

/** The folder's lock owner if the folder is locked by a live process, else null. */
export function liveLockOwner(folder: string): LockOwner | null {
  const owner = readLockOwner(folder);
  return owner && isAlive(owner) ? owner : null;
}

function readLockOwner(folder: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(lockFileOf(folder), 'utf8')) as LockOwner;
    return typeof owner?.pid === 'number' ? owner : null;
  } catch {
    return null; // missing, or half-written by a process that died while writing it
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another machine sharing the folder (network volume): its process cannot be checked from here.
  if (owner.hostname !== hostname()) return true;
  // Our own pid in a lock we do not hold: a previous life of this process (e.g. PID 1 in a container).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStartOf(owner.pid);
  return owner.processStart === null || start === null || start === owner.processStart;
}

/** Removes a stale lock unless another process replaced it meanwhile (then the next attempt sees it). */
function removeStale(file: string, seen: LockOwner | null): void {
  try {
    const current = readFileSync(file, 'utf8');
    const parsed = safeParse(current);
    if (seen && parsed?.pid !== seen.pid) return;
    // A lock file being written right now is empty for an instant: only an old one counts as stale.
    if (!seen && Date.now() - statSync(file).mtimeMs < 2000) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      return;
    }
    unlinkSync(file);
  } catch {
    // gone already
  }
}

function safeParse(text: string): LockOwner | null {
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return null;
  }
}

function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may contain spaces, so count from its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
