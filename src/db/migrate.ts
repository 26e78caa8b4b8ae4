/**
 * Forward-only SQL migrations: every `NNNN_name.sql` in migrations/, applied in order, each in its
 * own transaction, recorded in `schema_migrations`. Several processes starting at once on the same
 * PostgreSQL serialize on an advisory lock, so each migration runs exactly once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseHandle } from './database.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 7_311_042_018; // any constant; shared by every threatshare process

export interface Migration {
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

export async function migrate(handle: DatabaseHandle, migrations = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  const lock = handle.kind === 'postgres';
  if (lock) await handle.execScript(`SELECT pg_advisory_lock(${LOCK_KEY})`);
  try {
    // Under the lock: two sessions running CREATE TABLE IF NOT EXISTS at once on an empty database
    // both create it, and the second fails on pg_type's unique index.
    await handle.execScript(`
      CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
    `);
    for (const m of migrations) {
      const done = await handle.db
        .selectFrom('schema_migrations' as any)
        .select('name')
        .where('name', '=', m.name)
        .executeTakeFirst();
      if (done) continue;
      const quotedName = m.name.replace(/'/g, "''");
      await handle.execScript(
        `BEGIN;\n${m.sql}\n;INSERT INTO schema_migrations (name) VALUES ('${quotedName}');\nCOMMIT;`,
      );
      applied.push(m.name);
    }
  } catch (err) {
    await handle.execScript('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    if (lock) await handle.execScript(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
  }
  return applied;
}
