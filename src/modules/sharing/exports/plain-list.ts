/**
 * Plain blocklists: one value per line under a `#` comment header, the form most firewalls,
 * proxies, mail filters and ad-blocker style resolvers (Pi-hole, AdGuard Home, dnsmasq scripts)
 * import; and the hosts-file variant (`0.0.0.0 domain`) for tools that only read /etc/hosts syntax.
 *
 * A line is a loader's unit of meaning, so a value that could split or comment out a line (white
 * space, control characters, a leading `#`) or is not of its declared type is skipped and counted.
 */
import ipaddr from 'ipaddr.js';
import { validationFailed } from '../../../lib/problem.js';
import {
  ChunkWriter,
  type CommonExportOptions,
  type ExportGenerator,
  type ExportIndicatorType,
  type ExportRow,
  type RowSource,
  EXPORT_INDICATOR_TYPES,
  countSkipped,
  describeSkipped,
  isExpired,
  newExportStats,
  rowBatches,
  sanitizeComment,
} from './export-stream.js';
import { parseIPPrefix } from './ip-encoding.js';

export interface PlainListOptions extends CommonExportOptions {
  /** The indicator types written; others count as unsupported_type. */
  types: readonly ExportIndicatorType[];
  /** Only rows with this subtype (e.g. `sha256` for file_hash). */
  subtype?: string;
  /** Title in the header. Default `threatshare blocklist`. */
  title?: string;
}

export interface HostsFileOptions extends CommonExportOptions {
  /** Address each name is mapped to. Default `0.0.0.0` (non-routable, fails fast, unlike 127.0.0.1). */
  address?: string;
  title?: string;
}

/** Printable ASCII without spaces: what a URL (WHATWG-serialized, so percent-encoded) may contain. */
const SAFE_TOKEN = /^[\x21-\x7e]+$/;
/**
 * A host name as hosts(5) readers accept it: LDH labels (underscore tolerated) of at most 63
 * characters, at most 253 in all (isHostName checks the length: cheaper than a look-ahead).
 */
const HOST_LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Whether the value is a host name as hosts(5) readers accept it. */
export function isHostName(value: string): boolean {
  return value.length <= 253 && HOST_NAME.test(value);
}

/** Whether the value is well formed for its type and safe as one line of a list. */
export function isListableValue(row: ExportRow): boolean {
  const value = row.value;
  if (typeof value !== 'string') return false;
  // A host name is printable, has no space and cannot start with `#`: one test is enough.
  if (row.type === 'domain') return isHostName(value);
  if (!SAFE_TOKEN.test(value) || value.startsWith('#')) return false;
  switch (row.type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr':
      return parseIPPrefix(row.type, value) !== undefined;
    case 'file_hash':
      return HASH.test(value);
    case 'url':
      return /^[a-z][a-z0-9+.-]*:/.test(value);
    default:
      return false;
  }
}

function headerLines(title: string, source: string, generatedAt: Date, detail: string): string {
  return [
    `# ${sanitizeComment(title)}`,
    `# source: ${sanitizeComment(source)}`,
    `# generated: ${generatedAt.toISOString()}`,
    `# ${detail}`,
    '',
  ].join('\n');
}

/** Streams one value per line for the chosen types, with a `#` header and a count trailer. */
export async function* plainList(rows: RowSource, options: PlainListOptions): ExportGenerator {
  const types = new Set(options.types);
  if (types.size === 0 || [...types].some((t) => !EXPORT_INDICATOR_TYPES.includes(t))) {
    throw validationFailed('/types', `Choose one or more of ${EXPORT_INDICATOR_TYPES.join(', ')}`);
  }
  const generatedAt = options.generated_at ?? new Date();
  const includeExpired = options.include_expired ?? false;
  const detail = `types: ${[...types].join(', ')}${options.subtype !== undefined ? `; subtype: ${sanitizeComment(options.subtype)}` : ''}; one value per line`;
  yield headerLines(options.title ?? 'threatshare blocklist', options.source ?? 'threatshare', generatedAt, detail);

  const stats = newExportStats();
  const writer = new ChunkWriter();
  for await (const batch of rowBatches(rows)) {
    for (const row of batch) {
      stats.rows++;
      if (!types.has(row.type) || (options.subtype !== undefined && row.subtype !== options.subtype)) {
        stats.skipped.unsupported_type++;
        continue;
      }
      if (!includeExpired && isExpired(row, generatedAt)) {
        stats.skipped.expired++;
        continue;
      }
      if (!isListableValue(row)) {
        stats.skipped.invalid++;
        continue;
      }
      stats.emitted++;
      const chunk = writer.write(row.value + '\n');
      if (chunk !== undefined) yield chunk;
    }
  }
  const rest = writer.flush();
  if (rest !== undefined) yield rest;
  yield `# entries: ${stats.emitted} from ${stats.rows} rows; skipped ${countSkipped(stats)}: ${describeSkipped(stats)}\n`;
  return stats;
}

/** Streams a hosts(5) file mapping every domain row to `address` (default 0.0.0.0). */
export async function* hostsFile(rows: RowSource, options: HostsFileOptions = {}): ExportGenerator {
  const address = options.address ?? '0.0.0.0';
  if (!ipaddr.isValid(address) || address.includes('%')) {
    throw validationFailed('/address', 'The hosts address is an IPv4 or IPv6 address');
  }
  const generatedAt = options.generated_at ?? new Date();
  const includeExpired = options.include_expired ?? false;
  yield headerLines(
    options.title ?? 'threatshare blocklist (hosts format)',
    options.source ?? 'threatshare',
    generatedAt,
    `every listed domain maps to ${address}; subdomains are not covered by hosts files`,
  );
  const stats = newExportStats();
  const writer = new ChunkWriter();
  const prefix = `${address} `;
  for await (const batch of rowBatches(rows)) {
    for (const row of batch) {
      stats.rows++;
      if (row.type !== 'domain') {
        stats.skipped.unsupported_type++;
        continue;
      }
      if (!includeExpired && isExpired(row, generatedAt)) {
        stats.skipped.expired++;
        continue;
      }
      if (typeof row.value !== 'string' || !isHostName(row.value)) {
        stats.skipped.invalid++;
        continue;
      }
      stats.emitted++;
      const chunk = writer.write(prefix + row.value + '\n');
      if (chunk !== undefined) yield chunk;
    }
  }
  const rest = writer.flush();
  if (rest !== undefined) yield rest;
  yield `# entries: ${stats.emitted} from ${stats.rows} rows; skipped ${countSkipped(stats)}: ${describeSkipped(stats)}\n`;
  return stats;
}
