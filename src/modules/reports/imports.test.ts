import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';

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
});
