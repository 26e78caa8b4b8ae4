/**
 * Issue 13: what one hostile import costs the server (`npm run bench:intake-limits`).
 *
 *  (a) the raw limit: the same bytes POSTed over loopback to a bare node:http server that only
 *      reads them;
 *  (b) a single line of `--mib` MiB without a newline, POSTed to `/api/v1/imports` on the embedded
 *      PGlite: refused as `too_long` (goal: well under a second of work beyond reading the bytes);
 *  (c) a gzip bomb (`--mib` × 20 MiB of zeros compressed), sent with `Content-Encoding: gzip`:
 *      refused at once as `payload_too_large`;
 *  (d) a second client's lookup latency while (b) runs (the server keeps answering others).
 *
 * Everything stays on 127.0.0.1. The figures print beside the raw limit of the same run.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { makeOrg } from '../test/helpers/factories.js';
import { fmt, machineLine, parseFlags, positiveInt } from './bench-common.js';

const flags = parseFlags(process.argv.slice(2), { mib: '20' });
const MIB = positiveInt(flags.mib, 'mib');

async function post(port: number, pathname: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; ms: number; text: string }> {
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t) / 1e6, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  console.log(machineLine());
  const line = Buffer.alloc(MIB * 2 ** 20, 'a');

  // (a) the raw limit: a server that reads the body and answers 204.
  const bare = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const barePort = (bare.address() as AddressInfo).port;
  const raw = await post(barePort, '/', line, { 'content-type': 'text/plain' });
  bare.close();

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-limits-'));
  const c = await createContainer(loadConfig({ DATA_DIR: dataDir }), { handle: await openDatabase({ dataDir: null }) });
  const app = await buildApp(c);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const vendor = await makeOrg(c, 'security_vendor');
  const other = await makeOrg(c, 'regulator_national');
  const url = '/api/v1/imports?category=malicious_resource&subtype=attack_source';

  // (b) with (d): a second client asks lookups every 20 ms while the long line is read.
  const latencies: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const t = process.hrtime.bigint();
      await fetch(`http://127.0.0.1:${port}/api/v1/indicators/lookup?value=192.0.2.1`, { headers: other.headers });
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const long = await post(port, url, line, { ...vendor.headers, 'content-type': 'text/plain' });
  running = false;
  await prober;
  const refusal = JSON.parse(long.text) as { refused?: number; refusals?: { code: string; value: string }[] };

  // (c) the gzip bomb.
  const bomb = gzipSync(Buffer.alloc(MIB * 20 * 2 ** 20));
  const gz = await post(port, url, bomb, { ...vendor.headers, 'content-type': 'text/plain', 'content-encoding': 'gzip' });

  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? NaN;
  console.log(`\nraw limit   : ${fmt(MIB)} MiB POSTed to bare node:http in ${fmt(raw.ms)} ms`);
  console.log(`long line   : ${fmt(MIB)} MiB single line → ${long.status}, refused ${refusal.refused ?? '?'} as ${refusal.refusals?.[0]?.code ?? '?'} (kept ${refusal.refusals?.[0]?.value.length ?? '?'} chars) in ${fmt(long.ms)} ms; ${fmt(long.ms - raw.ms)} ms beyond the raw read (goal: well under 1,000)`);
  console.log(`gzip bomb   : ${fmt(bomb.length / 1024)} KiB inflating to ${fmt(MIB * 20)} MiB → ${gz.status} ${(JSON.parse(gz.text) as { code?: string }).code ?? ''} in ${fmt(gz.ms)} ms`);
  console.log(`other client: ${latencies.length} lookups during the long line, p50 ${fmt(p(0.5), 1)} ms, p99 ${fmt(p(0.99), 1)} ms, max ${fmt(latencies[latencies.length - 1] ?? NaN, 1)} ms`);
  console.log(`load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  await app.close();
  await c.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
