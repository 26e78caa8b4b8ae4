/**
 * Handling-workflow benchmark (issue 3):
 *   1. deadline sweep over 1,000,000 open notices with 1 % due: the claim query's plan (it must use
 *      the partial index `notices_deadline_due`, not scan the open notices), the time of one sweep
 *      batch, and the time to escalate every due notice (each: overdue, an enforcement case, a
 *      webhook event, two audit entries);
 *   2. notices issued and signed per second (build, canonicalize, Ed25519-sign, store, audit,
 *      enqueue), next to the bare signing rate of this machine.
 *
 *   npm run bench:workflow -- --db=postgres|pglite|both [--notices=1000000] [--due-percent=1] [--issue=2000]
 *
 * PostgreSQL: its own database `threatshare_workflow_bench` (dropped and recreated), never `test`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContainer, type Container } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { buildNoticeDocument, generateSigningKey, signDocument } from '../src/modules/notices/notice-document.js';
import { noticesRepository } from '../src/modules/notices/notices.repository.js';
import { dbKinds, fmt, machineLine, parseFlags, PG_ADMIN_URL, positiveInt, seconds, tempPgliteDir, type DbKind } from './bench-common.js';

const DB_NAME = 'threatshare_workflow_bench';

async function recreate(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await admin.end();
  }
  return PG_ADMIN_URL.replace(/\/[^/]*$/, `/${DB_NAME}`);
}

async function org(c: Container, kind: any, code: string, province: string | null) {
  return c.orgs.create(null, {
    kind,
    name: `bench ${code}`,
    short_code: code,
    province_code: province,
    responsible_department: 'bench',
    responsible_person: { name: 'bench', phone: '+86 10 0000 0000', email: 'bench@example.cn' },
  } as any);
}

async function runOne(kind: DbKind, flags: { notices: number; duePercent: number; issue: number }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-wf-bench-'));
  const pgl = kind === 'pglite' ? tempPgliteDir('workflow') : null;
  const url = kind === 'postgres' ? await recreate() : null;
  const handle = await openDatabase({ databaseUrl: url, dataDir: pgl?.dir ?? null });
  const c = await createContainer({ ...loadConfig({ DATA_DIR: dataDir }), databaseUrl: url }, { handle, loadIndex: false });
  const db = handle.db;
  console.log(`\n## ${kind}`);
  const regulator = await org(c, 'regulator_provincial', 'bench-ca', '440000');
  const unit = await org(c, 'telecom_operator', 'bench-unit', '440000');
  await c.workflow.notices.ensureKey();
  const keyId = (await noticesRepository.activeKey(db))!.key_id;

  // ---- 1. 1,000,000 open notices, 1 % due, inserted set-based
  const total = flags.notices;
  const due = Math.round((total * flags.duePercent) / 100);
  let t = process.hrtime.bigint();
  const chunk = 250_000;
  for (let from = 0; from < total; from += chunk) {
    const n = Math.min(chunk, total - from);
    await sql`
      INSERT INTO notices (id, kind, state, issuer_org_id, recipient_org_id, province_code, category, measure, targets, emergency, requires_result, deadline, issued_at, key_id, created_at, updated_at)
      SELECT gen_random_uuid(), 'handling_notice', (ARRAY['issued','delivered','sent_back'])[1 + g % 3], ${regulator.id}::uuid, ${unit.id}::uuid, '440000', 'malicious_resource', 'block_ip',
        '[]'::jsonb, false, true,
        CASE WHEN g % ${Math.max(1, Math.round(total / Math.max(1, due)))}::int = 0 THEN now() - interval '1 minute' ELSE now() + interval '1 day' + (g % 10000) * interval '1 second' END,
        now() - interval '1 hour', ${keyId}, now(), now()
      FROM generate_series(${from}::int, ${from + n - 1}::int) g`.execute(db);
  }
  await sql`ANALYZE notices`.execute(db);
  const insertS = seconds(t);
  const counted = await sql<{ open: number; due: number }>`SELECT count(*)::int AS open, count(*) FILTER (WHERE deadline <= now())::int AS due FROM notices WHERE state IN ('issued','delivered','sent_back')`.execute(db);
  console.log(`inserted ${fmt(counted.rows[0].open)} open notices (${fmt(counted.rows[0].due)} due) in ${fmt(insertS, 1)} s`);

  const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, COSTS OFF) ${noticesRepository.claimOverdueQuery(db, new Date(), 500)}`.execute(db);
  const planText = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  console.log('claim plan (EXPLAIN ANALYZE, one batch of 500):\n' + planText.split('\n').map((l) => '    ' + l).join('\n'));
  const usesIndex = /notices_deadline_due/.test(planText) && !/Seq Scan on notices/.test(planText);
  console.log(`uses the partial index notices_deadline_due, no sequential scan: ${usesIndex ? 'yes' : 'NO'}`);

  const batches: number[] = [];
  let escalated = 0;
  t = process.hrtime.bigint();
  for (;;) {
    const b = process.hrtime.bigint();
    const n = await c.workflow.notices.sweepDeadlines(500);
    if (n === 0) break;
    batches.push(seconds(b));
    escalated += n;
  }
  const sweepS = seconds(t);
  const emptyT = process.hrtime.bigint();
  await c.workflow.notices.sweepDeadlines(500);
  const emptyS = seconds(emptyT);
  batches.sort((a, b) => a - b);
  console.log(
    `deadline sweep: ${fmt(escalated)} due notices escalated in ${fmt(sweepS, 2)} s (${batches.length} batches of ≤500; per batch median ${fmt(batches[Math.floor(batches.length / 2)] * 1000)} ms, max ${fmt(batches[batches.length - 1] * 1000)} ms); a sweep with nothing due: ${fmt(emptyS * 1000, 1)} ms`,
  );

  // ---- 2. notices issued and signed per second
  const raw = generateSigningKey();
  const N = flags.issue;
  const doc = (i: number) =>
    buildNoticeDocument({ kind: 'handling_notice', notice_id: randomUUID(), issued_at: new Date(), issuer: { org_id: regulator.id, name: 'r' }, recipient: { org_id: unit.id, name: 'u' }, measure: 'block_ip', targets: [{ type: 'ipv4', value: `1.2.${i >> 8}.${i & 255}` }], deadline: new Date(Date.now() + 86_400_000) });
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) signDocument(doc(i), raw);
  const signOnly = N / seconds(t);
  t = process.hrtime.bigint();
  const per = 100;
  for (let done = 0; done < N; done += per) {
    await db.transaction().execute(async (tx) => {
      for (let i = done; i < Math.min(N, done + per); i++)
        await c.workflow.notices.issueInTx(tx, null, { kind: 'handling_notice', issuer_org_id: regulator.id, recipient_org_id: unit.id, province_code: '440000', category: 'malicious_resource', measure: 'block_ip', targets: [{ type: 'ipv4', value: `1.2.${i >> 8}.${i & 255}` }] });
    });
  }
  const issued = N / seconds(t);
  console.log(`notices issued and signed: ${fmt(issued)} /s (${fmt(N)} notices, ${per} per transaction: build + sign + store + audit + webhook event); bare build + Ed25519 sign: ${fmt(signOnly)} /s (ratio ${fmt(issued / signOnly, 2)})`);

  await c.close();
  pgl?.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { kind, usesIndex, batchMedianMs: batches[Math.floor(batches.length / 2)] * 1000, sweepS, escalated, emptyMs: emptyS * 1000, issued, signOnly };
}

const flags = parseFlags(process.argv.slice(2), { db: 'both', notices: '1000000', 'due-percent': '1', issue: '2000' });
console.log(`# handling workflow benchmark\n${machineLine()}`);
for (const kind of dbKinds(flags.db)) {
  await runOne(kind, { notices: positiveInt(flags.notices, 'notices'), duePercent: Number(flags['due-percent']), issue: positiveInt(flags.issue, 'issue') });
}
