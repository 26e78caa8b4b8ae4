/**
 * The benchmark corpus: the real samples in test/fixtures/data (IPsum IPv4 addresses with their list
 * counts, URLhaus host names and URLs; `#` lines skipped), topped up with generated values of the
 * same shapes (public IPv4, domains under real TLDs, URLs, sha256 hashes) until the wanted count,
 * with about 5% of the lines repeating an earlier value, shuffled with a fixed seed.
 *
 * Every value is normalized here once with the platform's own `normalizeAny`, outside any timing,
 * so the benchmark knows the canonical rows the store must end up with (what the bare COPY loads)
 * and which real lines the importer will refuse. Generated values that would be refused or collide
 * are drawn again, so the unique count is exact.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeAny } from '../src/modules/indicators/normalize.js';
import { prng, seconds } from './bench-common.js';
import { FIXTURE_DATA_DIR } from '../test/fixtures/paths.js';

export const DATA_DIR = process.env.THREATSHARE_SHARED_DATA || FIXTURE_DATA_DIR;
export const DUPLICATE_SHARE = 0.05;

export interface CanonicalRow {
  type: string;
  value: string;
  hash_algorithm: string | null;
}

export interface Corpus {
  /** The raw lines, in file order. */
  lines: string[];
  /** One canonical (type, value) per distinct accepted value: what the store must hold after import. */
  rows: CanonicalRow[];
  realLines: number;
  generatedLines: number;
  duplicateLines: number;
  refusedLines: number;
  byType: Record<string, number>;
  /** Seconds spent in normalizeAny over every distinct line while building (CPU cost of normalization alone). */
  normalizeSeconds: number;
}

/** Real TLDs and public suffixes, weighted roughly as abuse feeds see them. */
const TLDS = ['com', 'com', 'com', 'net', 'org', 'info', 'cn', 'com.cn', 'ru', 'top', 'xyz', 'online', 'site', 'shop', 'io', 'co.uk', 'de', 'br', 'in', 'vip', 'cc', 'me', 'club', 'duckdns.org'];
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const WORDS = ['login', 'update', 'secure', 'account', 'verify', 'files', 'download', 'bins', 'wp-content', 'images', 'invoice', 'mozi', 'i', 'x86', 'arm7', 'payload'];

function readSample(file: string): string[] {
  return fs
    .readFileSync(path.join(DATA_DIR, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/**
 * `exclude` (canonical `type \0 value` keys) names values a store already holds: a benchmark that
 * imports into a full store wants only fresh ones, so those are left out (real lines) or drawn
 * again (generated ones), and the counts stay exact.
 */
export function buildCorpus(count: number, seed = 20261124, exclude: ReadonlySet<string> = new Set()): Corpus {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const label = (min: number, max: number) => {
    let s = '';
    const len = min + int(max - min + 1);
    for (let i = 0; i < len; i++) s += ALNUM[int(ALNUM.length)];
    return s;
  };

  const seen = new Set<string>();
  const uniqueRaw: string[] = [];
  const rows: CanonicalRow[] = [];
  const refusedRaw: string[] = [];
  const naturalDuplicates: string[] = [];
  const byType: Record<string, number> = {};
  let normalizeNs = 0n;

  /** Normalizes one raw line (first field, as the `lines` format reads it); true when it was new. */
  const take = (raw: string, generated: boolean): boolean => {
    const tab = raw.search(/[\t ]/);
    const value = tab < 0 ? raw : raw.slice(0, tab);
    const t0 = process.hrtime.bigint();
    const n = normalizeAny(value);
    normalizeNs += process.hrtime.bigint() - t0;
    if (!n.ok) {
      if (!generated) refusedRaw.push(raw);
      return false;
    }
    const key = `${n.type}\u0000${n.value}`;
    if (exclude.has(key)) return false;
    if (seen.has(key)) {
      if (!generated) naturalDuplicates.push(raw);
      return false;
    }
    seen.add(key);
    uniqueRaw.push(raw);
    rows.push({ type: n.type, value: n.value, hash_algorithm: n.hash_algorithm ?? null });
    byType[n.type] = (byType[n.type] ?? 0) + 1;
    return true;
  };

  // The real samples first, all of them (or as many as fit).
  let realLines = 0;
  for (const file of ['ipsum.txt', 'urlhaus-domains.txt', 'urlhaus-urls.txt']) {
    for (const raw of readSample(file)) {
      if (realLines >= count) break;
      take(raw, false);
      realLines++;
    }
  }

  const duplicateTarget = Math.round(count * DUPLICATE_SHARE);
  const uniqueTarget = Math.max(0, count - duplicateTarget - refusedRaw.length);

  const domain = () => (rnd() < 0.25 ? `${label(3, 8)}.` : '') + `${label(5, 14)}.${TLDS[int(TLDS.length)]}`;
  const ipv4 = () => `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const url = () => {
    const host = rnd() < 0.2 ? ipv4() : domain();
    const port = rnd() < 0.1 ? `:${[8080, 8000, 443, 81][int(4)]}` : '';
    let p = '';
    for (let i = 0, n = 1 + int(3); i < n; i++) p += `/${rnd() < 0.5 ? WORDS[int(WORDS.length)] : label(4, 12)}`;
    const q = rnd() < 0.2 ? `?id=${label(6, 16)}` : '';
    return `${rnd() < 0.6 ? 'http' : 'https'}://${host}${port}${p}${q}`;
  };
  let hashes = 0;
  const sha256 = () => createHash('sha256').update(`threatshare-bench-${seed}-${hashes++}`).digest('hex');

  // Generated values: IPs and domains dominate, as in MIIT's own figures for malicious resources.
  let generatedLines = 0;
  while (uniqueRaw.length < uniqueTarget) {
    const r = rnd();
    const raw = r < 0.4 ? ipv4() : r < 0.7 ? domain() : r < 0.9 ? url() : sha256();
    if (take(raw, true)) generatedLines++;
  }

  // Duplicates: the real ones, then repeats of random earlier values (upper-cased host names now
  // and then, so dedup has to see through normalization, not just compare strings).
  const duplicates = naturalDuplicates.slice(0, duplicateTarget);
  while (duplicates.length < duplicateTarget && uniqueRaw.length > 0) {
    const i = int(uniqueRaw.length);
    const raw = uniqueRaw[i];
    duplicates.push(rows[i].type === 'domain' && rnd() < 0.3 ? raw.toUpperCase() : raw);
  }

  const lines = [...uniqueRaw, ...refusedRaw, ...duplicates];
  for (let i = lines.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  return {
    lines,
    rows,
    realLines,
    generatedLines,
    duplicateLines: duplicates.length,
    refusedLines: refusedRaw.length,
    byType,
    normalizeSeconds: Number(normalizeNs) / 1e9,
  };
}

/** Writes the corpus in the `lines` format to a temp file; returns its path. */
export function writeCorpusFile(corpus: Corpus, label: string): string {
  const file = path.join(os.tmpdir(), `threatshare-bench-${label}-${process.pid}.txt`);
  fs.writeFileSync(file, corpus.lines.join('\n') + '\n');
  return file;
}

/** The canonical rows in COPY text format (tab-separated, with COPY's backslash escapes). */
export function copyText(rows: CanonicalRow[]): string {
  const esc = (s: string) => (/[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s);
  let out = '';
  const parts: string[] = [];
  for (const r of rows) {
    out += `${esc(r.type)}\t${esc(r.value)}\n`;
    if (out.length > 1 << 20) {
      parts.push(out);
      out = '';
    }
  }
  parts.push(out);
  return parts.join('');
}

export function timeIt<T>(f: () => T): { value: T; seconds: number } {
  const t0 = process.hrtime.bigint();
  const value = f();
  return { value, seconds: seconds(t0) };
}
