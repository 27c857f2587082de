import { EventEmitter } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';
import type { PgliteLease } from '../database/pglite.dialect';
import { runMigrations } from 'bullmq';
import { QUEUE_SCHEMA } from './job-catalogue';

/** What BullMQ's PostgreSQL backend needs of a pool (it checks for connect, query and end), and our own use of it. */
export interface PgPoolLike extends EventEmitter {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  connect(): Promise<{ query: PgPoolLike['query']; release(): void }>;
  end(): Promise<void>;
}

/**
 * The embedded queue store: BullMQ's PostgreSQL backend on the process's own PGlite, handed over as a pg Pool.
 * Not through a socket server: PGlite is one session, and pglite-socket multiplexes clients onto it, so LISTEN
 * and NOTIFY reach the wrong client and a per-connection search_path does not hold. Here a "connection" is a view
 * of that one session: every statement takes the database's lease (one statement per turn; BullMQ's operations
 * are single statements calling its functions), and NOTIFY reaches BullMQ's LISTEN "clients" through PGlite's
 * own notification callback. The session's search_path is `public, bullmq`: Crier's tables first (no name is
 * shared), BullMQ's found after them.
 */
export function pglitePool(db: PGlite, lease: PgliteLease): PgPoolLike {
  let pathSet = false;
  const run = async (text: string, params?: unknown[]) => {
    const release = await lease.acquire();
    try {
      if (!pathSet) {
        await db.exec(`SET search_path TO public, ${QUEUE_SCHEMA}`);
        pathSet = true;
      }
      return await statement(db, text, params);
    } finally {
      release();
    }
  };
  const pool = new EventEmitter() as PgPoolLike & { options: { keepAlive: boolean } };
  pool.setMaxListeners(0);
  // No socket can drop silently here, so BullMQ may let a worker block long, woken by NOTIFY.
  pool.options = { keepAlive: true };
  pool.query = run;
  pool.connect = async () => {
    const client = new EventEmitter() as EventEmitter & { query: PgPoolLike['query']; release(): void };
    client.setMaxListeners(0);
    const unsubscribe = await db.onNotification((channel, payload) =>
      client.emit('notification', { channel, payload }),
    );
    client.query = run;
    client.release = () => {
      unsubscribe();
      client.removeAllListeners();
    };
    return client;
  };
  pool.end = async () => undefined;
  return pool;
}

/**
 * Creates or upgrades the BullMQ schema in the embedded database, holding the lease for the whole migration (it
 * runs in one transaction of its own, which nothing else may join).
 */
export async function migrateEmbeddedQueueStore(db: PGlite, lease: PgliteLease): Promise<void> {
  const release = await lease.acquire();
  try {
    const client = { query: (text: string, params?: unknown[]) => statement(db, text, params), release: () => {} };
    await runMigrations(client as never, QUEUE_SCHEMA);
  } finally {
    release();
  }
}

async function statement(db: PGlite, text: string, params?: unknown[]) {
  if (!params || params.length === 0) {
    // BullMQ sends multi-statement scripts (its migrations, LISTEN on several channels): exec runs them whole.
    const results = await db.exec(text);
    const last = results[results.length - 1];
    return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
  }
  const r = await db.query(text, params);
  return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
}
