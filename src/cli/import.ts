/**
 * `threatshare import FILE`: bulk intake. By default it streams the file to a running server
 * (progress by bytes sent, with rate); `--direct` opens the database itself (the server must not
 * be running on the same PGlite data directory) and reports progress by lines.
 */
import fs from 'node:fs';
import { lineBatches } from '../lib/line-batches.js';
import { Readable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Config } from '../config.js';
import { createContainer } from '../container.js';
import { call, clientOptions, printResult } from './client.js';

export interface ImportCliOptions {
  format?: 'csv' | 'ndjson' | 'lines' | 'stix';
  category?: string;
  subtype?: string;
  tlp?: string;
  type?: string;
  validDays?: string;
  title?: string;
  url?: string;
  token?: string;
  direct?: boolean;
  idempotencyKey?: string;
}

function formatFromName(file: string): 'csv' | 'ndjson' | 'lines' {
  if (/\.csv(\.gz)?$/i.test(file)) return 'csv';
  if (/\.(nd)?jsonl?(\.gz)?$/i.test(file)) return 'ndjson';
  return 'lines';
}

export async function importFile(config: Config, file: string, o: ImportCliOptions): Promise<void> {
  if (o.format === 'stix' || (o.format === undefined && isStixBundleFile(file))) return importStixFile(config, file, o);
  if (!o.category || !o.subtype) throw new Error('--category and --subtype are required for CSV, NDJSON and plain lists');
  const format = o.format ?? formatFromName(file);
  const size = fs.statSync(file).size;
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} {unit} | {rate}/s | ETA {eta}s', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const rate = (n: number) => Math.round(n / Math.max(0.001, (Date.now() - started) / 1000)).toLocaleString('en');

  if (o.direct) {
    const c = await createContainer(config, { loadIndex: false });
    try {
      const token = o.token ?? process.env.THREATSHARE_TOKEN;
      const p = token ? await c.auth.authenticateToken(token) : null;
      if (!p) throw new Error('--direct needs a valid --token (or THREATSHARE_TOKEN) of the reporting organization');
      const text = fs.readFileSync(file, 'utf8');
      const totalLines = text.split('\n').length;
      bar.start(totalLines, 0, { unit: 'lines', rate: 0 });
      const { receipt } = await c.imports.importLines(p, lineBatches(fs.createReadStream(file)), {
        format,
        category: o.category!,
        subtype: o.subtype!,
        tlp: o.tlp,
        type: o.type,
        title: o.title,
        valid_days: o.validDays ? Number(o.validDays) : undefined,
        idempotencyKey: o.idempotencyKey,
        source: 'cli',
        onProgress: (n) => bar.update(n, { rate: rate(n) }),
      });
      bar.update(totalLines, { rate: rate(totalLines) });
      bar.stop();
      printResult({ status: 201, body: receipt });
    } finally {
      await c.close();
    }
    return;
  }

  const client = clientOptions(o);
  let sent = 0;
  bar.start(size, 0, { unit: 'bytes', rate: 0 });
  const stream = fs.createReadStream(file);
  stream.on('data', (chunk) => {
    sent += chunk.length;
    bar.update(sent, { rate: rate(sent) });
  });
  const params = new URLSearchParams({ category: o.category!, subtype: o.subtype!, format });
  if (o.tlp) params.set('tlp', o.tlp);
  if (o.type) params.set('type', o.type);
  if (o.validDays) params.set('valid_days', o.validDays);
  if (o.title) params.set('title', o.title);
  const contentType = format === 'csv' ? 'text/csv' : format === 'ndjson' ? 'application/x-ndjson' : 'text/plain';
  const headers: Record<string, string> = { 'content-type': contentType };
  if (file.endsWith('.gz')) headers['content-encoding'] = 'gzip';
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
  const r = await call(client, 'POST', `/api/v1/imports?${params}`, Readable.toWeb(stream) as ReadableStream, headers);
  bar.stop();
  printResult(r);
}

/** A `.json` file whose top level is a STIX bundle (read only its first bytes). */
function isStixBundleFile(file: string): boolean {
  if (!/\.json$/i.test(file)) return false;
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return /^\s*\{[^]*?"type"\s*:\s*"bundle"/.test(head.subarray(0, n).toString('utf8'));
  } finally {
    fs.closeSync(fd);
  }
}

/** STIX 2.1 bundle intake: through the server (POST /api/v1/stix/bundles) or `--direct`. */
async function importStixFile(config: Config, file: string, o: ImportCliOptions): Promise<void> {
  const text = fs.readFileSync(file, 'utf8');
  if (o.direct) {
    const c = await createContainer(config, { loadIndex: false });
    try {
      const token = o.token ?? process.env.THREATSHARE_TOKEN;
      const p = token ? await c.auth.authenticateToken(token) : null;
      if (!p) throw new Error('--direct needs a valid --token (or THREATSHARE_TOKEN) of the reporting organization');
      const receipt = await c.interop.stix.importBundle(p, text, { tlp: o.tlp as never, category: o.category, subtype: o.subtype, title: o.title, source: 'cli' });
      printResult({ status: 201, body: { ...receipt, objects: undefined } });
    } finally {
      await c.close();
    }
    return;
  }
  const params = new URLSearchParams();
  if (o.tlp) params.set('tlp', o.tlp);
  if (o.category) params.set('category', o.category);
  if (o.subtype) params.set('subtype', o.subtype);
  if (o.title) params.set('title', o.title);
  const r = await call(clientOptions(o), 'POST', `/api/v1/stix/bundles${params.size ? `?${params}` : ''}`, JSON.parse(text) as unknown, { 'content-type': 'application/stix+json;version=2.1' });
  printResult(r);
}
