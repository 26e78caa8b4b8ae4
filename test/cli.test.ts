/**
 * The README's start command and the CLI, as a new user runs them: real processes, a fresh
 * PGlite data directory, HTTP on loopback.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { dbLabel } from './helpers/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/threatshare.js');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('server did not become ready');
}

describe('the threatshare command on a fresh data directory', { skip: dbLabel === 'postgres' ? 'runs on the embedded database only (the demo refuses a non-empty database)' : false }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-cli-'));
  let port = 0;
  let url = '';
  let server: ChildProcess;
  let output = '';
  const env = () => ({ ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_URL: '' });

  before(async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [bin, 'serve', '--demo'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    await waitReady(url, server);
  });

  after(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const creds = () => JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8'));
  const token = (code: string) => creds().organizations.find((o: { short_code: string }) => o.short_code === code).token;
  const cli = (args: string[], tok: string) => run(process.execPath, [bin, ...args], { env: { ...env(), THREATSHARE_URL: url, THREATSHARE_TOKEN: tok }, cwd: root });

  test('serve --demo seeds the demo world and writes the credentials', () => {
    const c = creds();
    const codes = c.organizations.map((o: { short_code: string }) => o.short_code);
    assert.ok(codes.includes('miit') && codes.includes('cncert') && codes.includes('caict'));
    assert.equal(c.organizations.filter((o: { kind: string }) => o.kind === 'regulator_provincial').length, 31);
    assert.equal(c.organizations.filter((o: { kind: string }) => o.kind === 'telecom_operator').length, 3 + 3 * 31);
    assert.ok(c.organizations.every((o: { token: string }) => o.token.startsWith('ts_')));
    assert.equal((fs.statSync(path.join(dataDir, 'demo-credentials.json')).mode & 0o077), 0, 'credentials are readable by the owner only');
  });

  test('submit, import and lookup through the CLI against the running server', async () => {
    const reportFile = path.join(dataDir, 'report.json');
    fs.writeFileSync(
      reportFile,
      JSON.stringify({ category: 'malicious_resource', subtype: 'phishing_site', title: 'CLI', discovered_at: new Date().toISOString(), tlp: 'green', observables: [{ type: 'domain', value: 'cli-phish.example-threat.com' }] }),
    );
    const vendor = token('demo-vendor-greatwall');
    const sub = await cli(['submit', reportFile, '--idempotency-key', 'cli-1'], vendor);
    assert.equal(JSON.parse(sub.stdout).observables[0].status, 'accepted');
    const imp = await cli(['import', path.join(root, 'test/fixtures/ipsum.sample.txt'), '--category', 'malicious_resource', '--subtype', 'attack_source'], vendor);
    const receipt = JSON.parse(imp.stdout);
    assert.ok(receipt.accepted > 200, imp.stdout);
    const look = await cli(['lookup', 'CLI-Phish.Example-Threat.com'], token('miit'));
    assert.equal(JSON.parse(look.stdout).known, true);
    const bad = await cli(['lookup', 'x'], 'ts_wrong').catch((e) => e);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unauthenticated/);
  });

  test('audit verify beside the running server stops with the pid that holds the data directory', async () => {
    const r = await run(process.execPath, [bin, 'audit', 'verify'], { env: env() }).catch((e) => e);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`in use by process ${server.pid}\\b`));
    assert.doesNotMatch(r.stderr, /Aborted/);
  });

  test('the server publishes a signed checkpoint of the audit chain', async () => {
    const cp = (await (await fetch(`${url}/.well-known/threatshare-audit-checkpoint.json`)).json()) as any;
    assert.equal(cp.document.schema, 'threatshare.audit_checkpoint/1');
    assert.ok(cp.document.head_seq > 100);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dataDir, 'audit-checkpoint.json'), 'utf8')), cp);
  });

  test('SIGTERM stops the server within seconds while an import stalls mid-body; then audit verify and migrate run on the same data', { timeout: 60_000 }, async () => {
    // A client that sends half an import and then nothing: the server must not wait for it.
    const stalled = http.request(`${url}/api/v1/imports?category=malicious_resource&subtype=attack_source`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('demo-vendor-greatwall')}`, 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
    });
    stalled.on('error', () => undefined);
    stalled.write('stalled-1.example-threat.com\n');
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, output.slice(-2000));
    stalled.destroy();
    const v = await run(process.execPath, [bin, 'audit', 'verify'], { env: env() });
    const result = JSON.parse(v.stdout);
    assert.equal(result.ok, true);
    assert.ok(result.entries > 100);
    assert.equal(result.checkpoint.status, 'ok', 'checked against the checkpoint written at shutdown');
    assert.equal(result.checkpoint.head_seq, result.head_seq);
    const m = await run(process.execPath, [bin, 'migrate'], { env: env() });
    assert.match(m.stdout, /up to date/);
  });
});

describe('the Node flags of the server', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const startFlags = pkg.scripts.start.split(/\s+/).filter((w) => w.startsWith('--'));
  const shebang = fs.readFileSync(bin, 'utf8').split('\n')[0];

  test('npm start and the bin (run as `threatshare serve`) give Node the same flags, and Node takes them', async () => {
    assert.match(pkg.scripts.start, /^node (--\S+ )*bin\/threatshare\.js serve$/);
    assert.match(shebang, /^#!\/usr\/bin\/env -S node( --\S+)*$/);
    assert.deepEqual(shebang.split(/\s+/).filter((w) => w.startsWith('--')), startFlags);
    assert.ok(startFlags.some((f) => f.startsWith('--max-semi-space-size=')), 'the young generation is sized for lookups (docs/scaling.md)');
    // A flag Node does not know stops it before any script runs.
    const r = await run(process.execPath, [...startFlags, '-p', "require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_available_size >= 0"]);
    assert.equal(r.stdout.trim(), 'true');
  });
});
