import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { idRuns, indicatorsRepository } from '../indicators/indicators.repository.js';

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures');
const q = 'category=malicious_resource&subtype=malware_distribution';

describe(`bulk imports (${dbLabel})`, () => {
  let h: Harness;
  let unit: TestOrg;
  let ministry: TestOrg;

  before(async () => {
    h = await startHarness();
    unit = await makeOrg(h.c, 'security_vendor');
    ministry = await makeOrg(h.c, 'regulator_national');
  });
  after(() => h.close());

  const upload = (body: string | Buffer, contentType: string, query = q, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: `/api/v1/imports?${query}`, headers: { ...unit.headers, 'content-type': contentType, ...headers }, payload: body });

  test('imports the real URLhaus host list: IPs and names each as what they are, none lost', async () => {
    const text = fs.readFileSync(path.join(fixtures, 'urlhaus-domains.sample.txt'), 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const r = await upload(text, 'text/plain');
    assert.equal(r.statusCode, 201, r.body);
    const rec = r.json();
    assert.equal(rec.total, lines.length);
    assert.equal(rec.accepted + rec.duplicates + rec.refused, rec.total);
    assert.equal(rec.refused, rec.refusals.length);
    const types = await h.c.handle.db.selectFrom('sightings as s').innerJoin('indicators as i', 'i.id', 's.indicator_id').select(['i.type']).where('s.report_id', '=', rec.report_id).execute();
    const ipv4 = types.filter((t) => t.type === 'ipv4').length;
    const domains = types.filter((t) => t.type === 'domain').length;
    assert.ok(ipv4 > 0 && domains > 0, `both kinds stored (ipv4 ${ipv4}, domain ${domains})`);
    assert.equal(ipv4 + domains, types.length, 'only IPs and names in a host list');
    assert.ok(types.length >= rec.accepted && types.length <= rec.total - rec.refused);
  });

  test('refuses bad lines with their line number and reason and keeps the rest', async () => {
    const body = ['# comment', '58.222.86.210\t6', '10.1.2.3', 'bad..name', `ok-${Date.now()}.example.org`, '58.222.86.210', ''].join('\n');
    const r = await upload(body, 'text/plain');
    const rec = r.json();
    assert.equal(rec.total, 5);
    assert.equal(rec.refused, 2);
    assert.deepEqual(rec.refusals.map((x: { line: number; code: string }) => [x.line, x.code]), [[3, 'not_public'], [4, 'invalid_format']]);
    assert.equal(rec.duplicates >= 1, true, 'the repeated IP counts as a duplicate');
    const n = await h.c.handle.db.selectFrom('sightings').select((eb) => eb.fn.countAll<number>().as('n')).where('report_id', '=', rec.report_id).executeTakeFirstOrThrow();
    assert.equal(n.n, 2, 'one sighting per distinct accepted value');
  });

  test('an untitled import is titled by what it holds and when in Beijing time, not an ISO stamp', async () => {
    const rec = (await upload(`titled-${Date.now()}.example.org\n`, 'text/plain')).json();
    const row = await h.c.handle.db.selectFrom('reports').select(['title']).where('id', '=', rec.report_id).executeTakeFirstOrThrow();
    assert.match(row.title, /^恶意程序传播地址：批量导入（\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间）$/);
  });

  test('CSV with a header, per-line types and categories; NDJSON; gzip', async () => {
    const stamp = Date.now();
    const csv = `value,type,category,subtype\n"http://dl.natgo.cn/${stamp}/a,b.sh",url,,\nphish-${stamp}.example.org,domain,malicious_resource,phishing_site\nd41d8cd98f00b204e9800998ecf8427e,file_hash,malicious_program,trojan\nfoo,domain,nope,x\n`;
    const r1 = (await upload(csv, 'text/csv')).json();
    assert.equal(r1.total, 4);
    assert.equal(r1.refused, 2, JSON.stringify(r1.refusals));
    assert.deepEqual(r1.refusals.map((x: { code: string }) => x.code).sort(), ['invalid_category', 'known_benign']);
    const phish = await h.c.handle.db.selectFrom('indicators').select(['subtype']).where('value', '=', `phish-${stamp}.example.org`).executeTakeFirstOrThrow();
    assert.equal(phish.subtype, 'phishing_site');

    const nd = [`{"value":"ndj-${stamp}.example.net"}`, '{"value": 5}', '{not json', `{"value":"8.8.4.4","type":"ipv4","extra":1}`].join('\n');
    const r2 = (await upload(nd, 'application/x-ndjson')).json();
    assert.equal(r2.total, 4);
    assert.equal(r2.accepted + r2.duplicates, 1);
    assert.deepEqual(r2.refusals.map((x: { code: string }) => x.code), ['malformed_line', 'malformed_line', 'unknown_field']);

    const gz = gzipSync(Buffer.from(`gz-${stamp}.example.org\n`));
    const r3 = await upload(gz, 'text/plain', q, { 'content-encoding': 'gzip' });
    assert.equal(r3.json().total, 1);
  });

  test('a CSV without a value column is refused line by line, not silently read', async () => {
    const r = (await upload('address\n1.2.3.4\n', 'text/csv')).json();
    assert.equal(r.refusals[0].code, 'missing_header');
  });

  test('an Idempotency-Key makes a retried upload return the first receipt and store nothing twice', async () => {
    const body = `retry-${Date.now()}.example.org\n`;
    const key = `imp-${Date.now()}`;
    const a = await upload(body, 'text/plain', q, { 'idempotency-key': key });
    const b = await upload(body, 'text/plain', q, { 'idempotency-key': key });
    assert.equal(a.statusCode, 201);
    assert.equal(b.statusCode, 200);
    assert.equal(b.json().id, a.json().id);
    const c = await upload(`other-${body}`, 'text/plain', q, { 'idempotency-key': key });
    assert.equal(c.statusCode, 422);
    const imports = await h.c.handle.db.selectFrom('imports').select('id').where('org_id', '=', unit.id).where('idempotency_key', '=', key).execute();
    assert.equal(imports.length, 1);
  });

  test('bad query parameters are refused before anything is read', async () => {
    const r = await upload('1.2.3.4\n', 'text/plain', 'category=malicious_resource&subtype=trojan');
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, '/subtype');
    const r2 = await upload('1.2.3.4\n', 'text/plain', 'subtype=trojan');
    assert.equal(r2.statusCode, 400);
    assert.equal(r2.json().field, '/querystring/category');
  });

  test('imported values are found by lookup at once, and the receipt is readable later', async () => {
    const value = `lookup-${Date.now()}.example.org`;
    const rec = (await upload(`${value}\n`, 'text/plain')).json();
    const l = (await h.app.inject({ method: 'GET', url: `/api/v1/indicators/lookup?value=${value}`, headers: ministry.headers })).json();
    assert.equal(l.known, true);
    assert.equal(l.indicator.subtype, 'malware_distribution');
    const again = await h.app.inject({ method: 'GET', url: `/api/v1/imports/${rec.id}`, headers: unit.headers });
    assert.equal(again.json().total, 1);
  });

  /** Stored values of a report, with their sighting counts, read from the database. */
  const storedOf = (reportId: string) =>
    h.c.handle.db
      .selectFrom('sightings as s')
      .innerJoin('indicators as i', 'i.id', 's.indicator_id')
      .select(['i.id', 'i.type', 'i.value', 'i.sighting_count', 'i.first_seen', 'i.status', 'i.tlp'])
      .where('s.report_id', '=', reportId)
      .execute();

  test('new values go in by COPY with their fields intact, including characters COPY must escape', async () => {
    const stamp = Date.now();
    // A URL keeps a backslash in its query; CSV lets a tab through inside quotes.
    const csv = `value,type\n"http://copy-${stamp}.example.org/a?x=1\\2",url\ncopy-${stamp}.example.org,domain\n`;
    const rec = (await upload(csv, 'text/csv')).json();
    assert.equal(rec.accepted, 2, JSON.stringify(rec));
    const rows = await storedOf(rec.report_id);
    assert.deepEqual(rows.map((r) => r.value).sort(), [`copy-${stamp}.example.org`, `http://copy-${stamp}.example.org/a?x=1\\2`].sort());
    for (const r of rows) {
      assert.equal(r.sighting_count, 1);
      assert.equal(r.status, 'active');
      assert.equal(r.tlp, 'amber');
      assert.equal((await h.c.indicators.find(r.type, r.value))?.id, r.id, 'published to the lookup index under its stored id');
    }
  });

  test('a bulk import keeps its sightings as id ranges; the sightings view still has one per value, and readers see the reporter', async () => {
    const stamp = Date.now();
    const known = `known-${stamp}.example.org`;
    await upload(`${known}\n`, 'text/plain');
    const fresh = Array.from({ length: 50 }, (_, i) => `range-${i}-${stamp}.example.org`);
    const rec = (await upload([known, ...fresh].join('\n'), 'text/plain')).json();
    assert.equal(rec.accepted, 50, JSON.stringify(rec));
    assert.equal(rec.duplicates, 1);
    const db = h.c.handle.db;
    const ranges = await db.selectFrom('sighting_ranges').selectAll().where('report_id', '=', rec.report_id).execute();
    const rows = await db.selectFrom('sighting_rows').select('indicator_id').where('report_id', '=', rec.report_id).execute();
    // One range per run of consecutive ids among the 50 new values: one run alone, unless other
    // writers (other files on a shared PostgreSQL) drew ids from the sequence during the COPY.
    const freshIds = (await db.selectFrom('indicators').select('id').where('type', '=', 'domain').where('value', 'in', fresh).execute()).map((r) => Number(r.id));
    assert.equal(freshIds.length, 50);
    const runs = idRuns(freshIds);
    assert.deepEqual(
      ranges.map((r) => [Number(r.first_id), Number(r.last_id)]).sort((a, b) => a[0] - b[0]),
      runs.first.map((f, i) => [f, runs.last[i]]),
      `one range per run of the new values' ids: ${JSON.stringify(ranges)}`,
    );
    assert.equal(rows.length, 1, 'the value stored before keeps a sighting row');
    // The planner knows how few ranges there are (never analyzed, reltuples is -1).
    const stats = await sql<{ reltuples: number }>`SELECT reltuples FROM pg_class WHERE relname = 'sighting_ranges'`.execute(db);
    assert.ok(Number(stats.rows[0].reltuples) >= 1, `sighting_ranges analyzed after the import (reltuples ${stats.rows[0].reltuples})`);
    const seen = await storedOf(rec.report_id);
    assert.deepEqual(seen.map((r) => r.value).sort(), [known, ...fresh].sort(), 'one sighting per value through the view, none twice');
    // Readers that go through the view: the reporter of an imported value, and the unit's own feed.
    const one = seen.find((r) => r.value === fresh[7])!;
    assert.deepEqual((await indicatorsRepository.reportersOf(db, one.id)).map((r) => r.org_id), [unit.id]);
    const byIndicator = await db.selectFrom('sightings').select(['report_id', 'org_id']).where('indicator_id', '=', one.id).execute();
    assert.deepEqual(byIndicator, [{ report_id: rec.report_id, org_id: unit.id }]);
  });

  test('idRuns folds ids into runs of consecutive ones, sorting what comes out of order', () => {
    assert.deepEqual(idRuns([]), { first: [], last: [] });
    assert.deepEqual(idRuns([5]), { first: [5], last: [5] });
    assert.deepEqual(idRuns([1, 2, 3, 7, 8, 10]), { first: [1, 7, 10], last: [3, 8, 10] });
    assert.deepEqual(idRuns([8, 7, 1, 3, 2, 3]), { first: [1, 7], last: [3, 8] });
  });

  test('a value stored behind the lookup index\'s back is merged, not stored twice (the COPY falls back)', async () => {
    const stamp = Date.now();
    const hidden = `hidden-${stamp}.example.org`;
    // Another writer's row, not (yet) in this process's index.
    await h.c.handle.db.insertInto('indicators').values({ type: 'domain', value: hidden, category: 'malicious_resource', subtype: 'phishing_site', first_seen: new Date(), last_seen: new Date() } as any).execute();
    assert.equal((await h.c.indicators.find('domain', hidden)), undefined);
    const body = [hidden, `fresh-a-${stamp}.example.org`, `fresh-b-${stamp}.example.org`].join('\n');
    const rec = (await upload(body, 'text/plain')).json();
    assert.equal(rec.accepted, 2);
    assert.equal(rec.duplicates, 1);
    const rows = await storedOf(rec.report_id);
    assert.equal(rows.length, 3, 'one sighting per value');
    assert.equal(rows.find((r) => r.value === hidden)!.sighting_count, 2);
    const all = await h.c.handle.db.selectFrom('indicators').select('id').where('value', '=', hidden).execute();
    assert.equal(all.length, 1);
  });

  test('without a lookup index (the CLI) stored values are found by probing the key', async () => {
    const stamp = Date.now();
    const first = (await upload(`probe-${stamp}.example.org\n`, 'text/plain')).json();
    assert.equal(first.accepted, 1);
    h.c.indicators.index.ready = false;
    try {
      const rec = (await upload(`probe-${stamp}.example.org\nprobe-new-${stamp}.example.org\n`, 'text/plain')).json();
      assert.equal(rec.accepted, 1);
      assert.equal(rec.duplicates, 1);
      const rows = await storedOf(rec.report_id);
      assert.equal(rows.find((r) => r.value === `probe-${stamp}.example.org`)!.sighting_count, 2);
    } finally {
      h.c.indicators.index.ready = true;
    }
  });

  test('a failed import leaves nothing behind, the values it had written by COPY included', async () => {
    const stamp = Date.now();
    const principal = (await h.c.auth.authenticateToken(unit.token))!;
    // Fails after the values and sightings were written, inside the same transaction.
    const failing = async () => {
      throw new Error('the case could not be opened');
    };
    h.c.reports.intakeHooks.push(failing);
    try {
      await assert.rejects(
        h.c.imports.importLines(principal, [`gone-a-${stamp}.example.org`, `gone-b-${stamp}.example.org`], { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site' }),
        /could not be opened/,
      );
    } finally {
      h.c.reports.intakeHooks.splice(h.c.reports.intakeHooks.indexOf(failing), 1);
    }
    const left = await h.c.handle.db.selectFrom('indicators').select('id').where('value', 'like', `gone-%-${stamp}.example.org`).execute();
    assert.equal(left.length, 0);
    assert.equal((await h.c.indicators.find('domain', `gone-a-${stamp}.example.org`)), undefined, 'nothing published to lookups');
    // The pooled connection is usable again.
    const ok = await h.c.imports.importLines(principal, [`gone-a-${stamp}.example.org`], { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site' });
    assert.equal(ok.receipt.accepted, 1);
  });

  test('a body that breaks off while a chunk is being written leaves nothing behind', async () => {
    const stamp = Date.now();
    const principal = (await h.c.auth.authenticateToken(unit.token))!;
    // One full chunk (200,000 values) goes to the database, then the upload fails mid-way.
    const lines = (async function* () {
      yield Array.from({ length: 200_000 }, (_, i) => `cut-${i}-${stamp}.example.org`);
      yield [`cut-last-${stamp}.example.org`];
      throw new Error('the connection was reset');
    })();
    await assert.rejects(h.c.imports.importLines(principal, lines, { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site' }), /was reset/);
    const left = await h.c.handle.db.selectFrom('indicators').select((eb) => eb.fn.countAll<number>().as('n')).where('value', 'like', `cut-%-${stamp}.example.org`).executeTakeFirstOrThrow();
    assert.equal(Number(left.n), 0);
    const ok = await h.c.imports.importLines(principal, [`cut-0-${stamp}.example.org`], { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site' });
    assert.equal(ok.receipt.accepted, 1, 'the connection is usable again and the value is new');
  });
});
