/** The STIX and TAXII benchmarks' own PostgreSQL database (never `test`, never another bench's). */
import pg from 'pg';
import { PG_ADMIN_URL } from './bench-common.js';

export const TAXII_BENCH_DB = 'threatshare_taxii_bench';

/** Drops and recreates it, so every run starts from the same empty state. */
export async function recreateTaxiiBenchDb(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TAXII_BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TAXII_BENCH_DB}`);
  } finally {
    await admin.end();
  }
  return PG_ADMIN_URL.replace(/\/[^/]*$/, `/${TAXII_BENCH_DB}`);
}
