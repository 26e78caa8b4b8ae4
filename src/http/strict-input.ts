/**
 * Input that PostgreSQL cannot store, or would store other than it was sent, is refused at the
 * edge with a 400 naming the field (issue 13, item 5), instead of failing as a 500 deep inside:
 *
 * - bytes that are not UTF-8: decoded with a fatal decoder, never silently replaced by U+FFFD;
 * - NUL (U+0000), which PostgreSQL text cannot hold, and lone UTF-16 surrogates (`"\ud800"` in
 *   JSON), which have no UTF-8 form at all, in any string or object key of a body, query or path.
 */
import type { FastifyInstance } from 'fastify';
import { Problem } from '../lib/problem.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of a body, or a `malformed_body` problem when it is not UTF-8. */
export function decodeUtf8(body: Buffer | string): string {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    throw new Problem('malformed_body', 'The body is not valid UTF-8', { field: '' });
  }
}

// NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badReason(s: string): string | null {
  const m = BAD.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? 'must not contain NUL (U+0000)' : 'must not contain a lone UTF-16 surrogate (not representable in UTF-8)';
}

const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** The JSON pointer and reason of the first string or key that cannot be stored, or null. */
export function findUnstorableString(value: unknown, pointer = ''): { field: string; message: string } | null {
  if (typeof value === 'string') {
    const reason = badReason(value);
    return reason ? { field: pointer, message: reason } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findUnstorableString(value[i], `${pointer}/${i}`);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    // for...in over own keys: no entries array per request (every query string passes here).
    const o = value as Record<string, unknown>;
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      const keyReason = badReason(k);
      if (keyReason) return { field: `${pointer}/${escapePointer(k.replace(BAD, '\uFFFD'))}`, message: `the key ${keyReason}` };
      const v = o[k];
      // A string needs no pointer unless it is bad: build it only then.
      if (typeof v === 'string') {
        const reason = badReason(v);
        if (reason) return { field: `${pointer}/${escapePointer(k)}`, message: reason };
        continue;
      }
      const bad = findUnstorableString(v, `${pointer}/${escapePointer(k)}`);
      if (bad) return bad;
    }
  }
  return null;
}

/** Throws `validation_failed` at the first unstorable string of a request part. */
export function assertStorableStrings(value: unknown, part: 'body' | 'querystring' | 'params' | 'headers'): void {
  const bad = findUnstorableString(value);
  if (!bad) return;
  const field = part === 'body' ? bad.field : `/${part}${bad.field}`;
  throw new Problem('validation_failed', `${field || part}: ${bad.message}`, { field, errors: [{ field, message: bad.message, code: 'storable_string' }] });
}

/** JSON.parse of a strictly decoded body, with its strings checked: the parser of every JSON body. */
export function parseJsonBody(body: Buffer | string): unknown {
  const text = decodeUtf8(body);
  if (text.trim() === '') throw new Problem('malformed_json', 'The JSON body is empty', { field: '' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Problem('malformed_json', 'The body is not valid JSON', { field: '' });
  }
  assertStorableStrings(value, 'body');
  return value;
}

/** Every JSON body through `parseJsonBody`; every query string and path parameter checked too. */
export function registerStrictInput(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      assertStorableStrings(request.params, 'params');
      assertStorableStrings(request.query, 'querystring');
      done();
    } catch (e) {
      done(e as Error);
    }
  });
}
