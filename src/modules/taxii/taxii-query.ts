/**
 * TAXII 2.1 request details, pure: content negotiation (§1.6.8: `application/taxii+json;version=2.1`),
 * the filter parameters (§3.4: added_after, limit, next, match[id|type|version|spec_version]) and
 * the stateless signed cursor behind `next`.
 *
 * The cursor is the place of the last object of a page in the collection's total order
 * (CursorPosition), signed with HMAC-SHA256 and
 * bound to the collection and endpoint, so a page costs one keyset range scan however deep it is
 * and the server keeps no paging state (the reference server keeps it in memory and loses it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

function parseMediaRanges(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [type, ...rest] = part.split(';');
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      }
      const q = params.q === undefined ? 1 : Number(params.q);
      return { type: type.trim().toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
    });
}

/** May the response be `application/taxii+json;version=2.1` under this Accept header? */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return parseMediaRanges(accept).some((r) => {
    if (r.q <= 0) return false;
    if (r.type === '*/*' || r.type === 'application/*') return true;
    return r.type === 'application/taxii+json' && (r.params.version === undefined || r.params.version === '2.1');
  });
}

/** Is this request body `application/taxii+json` (version absent or 2.1)? */
export function isTaxiiContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [r] = parseMediaRanges(contentType);
  return r !== undefined && r.type === 'application/taxii+json' && (r.params.version === undefined || r.params.version === '2.1');
}

export type VersionMatch = { all: true } | { all: false; last: boolean; first: boolean; timestamps: string[] };

export interface TaxiiFilter {
  added_after: string | null;
  limit: number;
  next: string | null;
  ids: string[] | null;
  types: string[] | null;
  versions: VersionMatch;
  spec_versions: string[] | null;
}

export class TaxiiQueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ID_RE = /^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TYPE_RE = /^[a-z][a-z0-9-]+[a-z0-9]$/;

function list(raw: unknown): string[] | null {
  if (raw === undefined) return null;
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter((s) => s !== '');
  return parts.length === 0 ? null : parts;
}

/**
 * The filter of a TAXII request from its query string. `allowed` names the parameters the
 * endpoint takes (the versions endpoint has no match[id|type|version]); anything else is refused.
 */
export function parseTaxiiFilter(query: Record<string, unknown>, allowed: readonly string[], defaultVersion: 'last' | 'all' = 'last'): TaxiiFilter {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) throw new TaxiiQueryError(key, `unknown or unsupported parameter '${key}' here`);
  }
  const added = query.added_after;
  let addedAfter: string | null = null;
  if (added !== undefined) {
    if (typeof added !== 'string' || !TIMESTAMP_RE.test(added) || Number.isNaN(Date.parse(added))) {
      throw new TaxiiQueryError('added_after', 'added_after must be a timestamp such as 2024-01-01T00:00:00.000Z');
    }
    addedAfter = added;
  }
  let limit = DEFAULT_PAGE;
  if (query.limit !== undefined) {
    const n = Number(query.limit);
    if (!Number.isInteger(n) || n < 1) throw new TaxiiQueryError('limit', 'limit must be a positive integer');
    limit = Math.min(n, MAX_PAGE);
  }
  const next = query.next === undefined ? null : String(query.next);
  const ids = list(query['match[id]']);
  if (ids) for (const id of ids) if (!ID_RE.test(id)) throw new TaxiiQueryError('match[id]', `'${id}' is not a STIX identifier`);
  const types = list(query['match[type]']);
  if (types) for (const t of types) if (!TYPE_RE.test(t)) throw new TaxiiQueryError('match[type]', `'${t}' is not a STIX type`);
  const specVersions = list(query['match[spec_version]']);
  if (specVersions) for (const v of specVersions) if (!/^\d+\.\d+$/.test(v)) throw new TaxiiQueryError('match[spec_version]', `'${v}' is not a STIX version`);
  const rawVersions = list(query['match[version]']) ?? [defaultVersion];
  let versions: VersionMatch;
  if (rawVersions.includes('all')) versions = { all: true };
  else {
    const timestamps = rawVersions.filter((v) => v !== 'last' && v !== 'first');
    for (const t of timestamps) if (!TIMESTAMP_RE.test(t)) throw new TaxiiQueryError('match[version]', `'${t}' is not last, first, all or a timestamp`);
    versions = { all: false, last: rawVersions.includes('last'), first: rawVersions.includes('first'), timestamps };
  }
  return { added_after: addedAfter, limit, next, ids, types, versions, spec_versions: specVersions };
}

/**
 * A place in a collection's total order, (date_added, source, n, k): source 0 is a stored object
 * (n its seq, k 0), source 1 an object rendered from an indicator row (n the row's id, k its
 * position among the row's objects). Within one instant stored objects come first.
 */
export interface CursorPosition {
  /** date_added of the last object served, RFC 3339 with microseconds. */
  at: string;
  src: 0 | 1;
  n: number;
  k: number;
}

function mac(key: Buffer, scope: string, payload: string): string {
  return createHmac('sha256', key).update(`${scope}\n${payload}`).digest('base64url').slice(0, 22);
}

/** `next` for a page that ended at `position`, valid only for `scope` (collection and endpoint). */
export function encodeCursor(key: Buffer, scope: string, position: CursorPosition): string {
  const payload = Buffer.from(`${position.at}|${position.src}|${position.n}|${position.k}`).toString('base64url');
  return `${payload}.${mac(key, scope, payload)}`;
}

/** The position of a `next` this server issued for `scope`; null when it is not one. */
export function decodeCursor(key: Buffer, scope: string, cursor: string): CursorPosition | null {
  const dot = cursor.indexOf('.');
  if (dot <= 0) return null;
  const payload = cursor.slice(0, dot);
  const expected = Buffer.from(mac(key, scope, payload));
  const given = Buffer.from(cursor.slice(dot + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const [at, src, n, k, ...rest] = Buffer.from(payload, 'base64url').toString().split('|');
  const [source, row, index] = [Number(src), Number(n), Number(k)];
  if (rest.length > 0 || !TIMESTAMP_RE.test(at ?? '') || (source !== 0 && source !== 1) || !Number.isSafeInteger(row) || !Number.isInteger(index) || index < 0) return null;
  return { at, src: source, n: row, k: index };
}
