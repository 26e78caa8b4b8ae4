/**
 * `threatshare export`: downloads an export from a running server with conditional GET, so a cron
 * job fetches the file only when it changed (exit 0 with "unchanged" otherwise), and replaces the
 * output file atomically (written beside it, then renamed) so a resolver never reads half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClientOptions } from '../../cli/client.js';

export async function downloadExport(
  c: ClientOptions,
  format: string,
  o: { out?: string; etagFile?: string; includeSubdomains?: boolean; public?: boolean },
): Promise<{ status: 'written' | 'unchanged'; bytes: number }> {
  const q = o.includeSubdomains ? '?include_subdomains=true' : '';
  const url = `${c.url.replace(/\/$/, '')}${o.public ? '/feeds/public' : '/api/v1/exports'}/${encodeURIComponent(format)}${q}`;
  const headers: Record<string, string> = { 'accept-encoding': 'gzip' };
  if (!o.public && c.token) headers.authorization = `Bearer ${c.token}`;
  const etagFile = o.etagFile ?? (o.out ? `${o.out}.etag` : undefined);
  if (etagFile && fs.existsSync(etagFile) && (!o.out || fs.existsSync(o.out))) headers['if-none-match'] = fs.readFileSync(etagFile, 'utf8').trim();
  const res = await fetch(url, { headers });
  if (res.status === 304) return { status: 'unchanged', bytes: 0 };
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  const text = await res.text();
  if (!o.out) process.stdout.write(text);
  else {
    const tmp = path.join(path.dirname(o.out), `.${path.basename(o.out)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, o.out);
  }
  const etag = res.headers.get('etag');
  if (etagFile && etag) fs.writeFileSync(etagFile, `${etag}\n`);
  return { status: 'written', bytes: Buffer.byteLength(text) };
}
