/**
 * Context exports: CSV (RFC 4180) for spreadsheets and SIEM imports, NDJSON (one JSON object per
 * line) for pipelines. Unlike the blocklists these carry every field of the row.
 *
 * CSV cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return are prefixed with `'`
 * (OWASP "CSV injection"): a spreadsheet would otherwise evaluate a reported value such as
 * `=HYPERLINK(...)` as a formula on the analyst's machine.
 */
import { validationFailed } from '../../../lib/problem.js';
import {
  ChunkWriter,
  type CommonExportOptions,
  type ExportGenerator,
  type ExportRow,
  type RowSource,
  type ExportIndicatorType,
  isExpired,
  newExportStats,
} from './export-stream.js';

export const DEFAULT_CSV_COLUMNS = [
  'type',
  'value',
  'category',
  'subtype',
  'first_seen',
  'last_seen',
  'valid_until',
  'id',
] as const;

export interface CsvOptions extends CommonExportOptions {
  /** Columns in order; any row field name. Default DEFAULT_CSV_COLUMNS. */
  columns?: readonly string[];
  /** Only these types (default: all). */
  types?: readonly ExportIndicatorType[];
}

export interface NdjsonOptions extends CommonExportOptions {
  types?: readonly ExportIndicatorType[];
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** Text of one field: dates as ISO 8601 UTC, absent as empty, objects as JSON. */
function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** One CSV cell: neutralized against formula injection, then quoted per RFC 4180 §2 when needed. */
export function csvCell(value: unknown): string {
  let text = cellText(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Streams RFC 4180 CSV: a header row, then one CRLF-terminated record per row. */
export async function* csvExport(rows: RowSource, options: CsvOptions = {}): ExportGenerator {
  const columns = options.columns ?? DEFAULT_CSV_COLUMNS;
  if (columns.length === 0) throw validationFailed('/columns', 'At least one column');
  const types = options.types !== undefined ? new Set(options.types) : undefined;
  const generatedAt = options.generated_at ?? new Date();
  const includeExpired = options.include_expired ?? false;
  yield `${columns.map(csvCell).join(',')}\r\n`;
  const stats = newExportStats();
  const writer = new ChunkWriter();
  for await (const row of rows) {
    stats.rows++;
    if (types !== undefined && !types.has(row.type)) {
      stats.skipped.unsupported_type++;
      continue;
    }
    if (!includeExpired && isExpired(row, generatedAt)) {
      stats.skipped.expired++;
      continue;
    }
    let line = '';
    for (let i = 0; i < columns.length; i++) line += (i === 0 ? '' : ',') + csvCell(row[columns[i]]);
    stats.emitted++;
    const chunk = writer.write(`${line}\r\n`);
    if (chunk !== undefined) yield chunk;
  }
  const rest = writer.flush();
  if (rest !== undefined) yield rest;
  return stats;
}

/**
 * Streams NDJSON: every field of every row (extra context fields included), snake_case as stored,
 * dates as ISO 8601. JSON.stringify escapes CR, LF and every other control character, so a value
 * can never split a line.
 */
export async function* ndjsonExport(rows: RowSource, options: NdjsonOptions = {}): ExportGenerator {
  const types = options.types !== undefined ? new Set(options.types) : undefined;
  const generatedAt = options.generated_at ?? new Date();
  const includeExpired = options.include_expired ?? false;
  const stats = newExportStats();
  const writer = new ChunkWriter();
  for await (const row of rows) {
    stats.rows++;
    if (types !== undefined && !types.has(row.type)) {
      stats.skipped.unsupported_type++;
      continue;
    }
    if (!includeExpired && isExpired(row, generatedAt)) {
      stats.skipped.expired++;
      continue;
    }
    stats.emitted++;
    const chunk = writer.write(`${JSON.stringify(row satisfies ExportRow)}\n`);
    if (chunk !== undefined) yield chunk;
  }
  const rest = writer.flush();
  if (rest !== undefined) yield rest;
  return stats;
}
