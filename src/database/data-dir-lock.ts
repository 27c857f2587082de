import lockfile from 'proper-lockfile';

/**
 * Embedded PGlite is one Postgres in one process: two processes on the same files corrupt them. So the process that
 * opens a PGlite directory holds a lock on it (`<dir>.lock`, through proper-lockfile: an atomic mkdir whose mtime the
 * holder refreshes). It goes when the holder exits, and within STALE_MS when the holder dies without a word
 * (SIGKILL, power loss); a stale lock is taken over. The mtime, unlike a pid, is meaningful across containers that
 * share the volume and across hosts on a network file system.
 */
const STALE_MS = 10_000;
/** Refreshed well within the stale time, so a busy event loop (PGlite runs on it) does not lose the lock. */
const UPDATE_MS = 2_000;
/** A lock found held may be a holder that just died: waited out for a little longer than it takes to go stale. */
const WAIT_MS = STALE_MS + 3_000;

export class DataDirInUse extends Error {
  constructor(dir: string) {
    super(
      `the embedded database in ${dir} is in use by another Crier process (it holds ${dir}.lock). ` +
        'Embedded PGlite allows one process: run one Crier with CRIER_ROLE=all, or set DATABASE_URL to a ' +
        'PostgreSQL database to run several processes or split the api and worker roles.',
    );
    this.name = 'DataDirInUse';
  }
}

export interface DataDirLockOptions {
  /** Told when a lock that was already held is found: the wait for it to go stale begins. */
  onWait?: (message: string) => void;
  /**
   * Told if the lock is lost while held (its mtime could not be refreshed within the stale time, or another process
   * took it over): this process may no longer be alone on the files and should stop. Default: thrown.
   */
  onLost?: (e: Error) => void;
}

/** Takes the lock of `dir` (which must exist); resolves with its release, or rejects with DataDirInUse. */
export async function lockDataDir(dir: string, opts: DataDirLockOptions = {}): Promise<() => Promise<void>> {
  const base = {
    stale: STALE_MS,
    update: UPDATE_MS,
    onCompromised:
      opts.onLost ??
      ((e: Error) => {
        throw e;
      }),
  };
  try {
    return await lockfile.lock(dir, base);
  } catch (e) {
    if (!isLocked(e)) throw e;
  }
  opts.onWait?.(`${dir} is locked by another process; waiting up to ${WAIT_MS / 1000} s in case that process died`);
  const retries = Math.ceil(WAIT_MS / 1000);
  try {
    return await lockfile.lock(dir, { ...base, retries: { retries, factor: 1, minTimeout: 1000, maxTimeout: 1000 } });
  } catch (e) {
    if (isLocked(e)) throw new DataDirInUse(dir);
    throw e;
  }
}

function isLocked(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ELOCKED';
}
