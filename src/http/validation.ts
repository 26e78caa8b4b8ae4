/**
 * Request validation. Bodies are validated strictly: no type coercion, and unknown fields are
 * refused rather than silently dropped (Fastify's default Ajv removes them). Query strings,
 * path parameters and headers arrive as text and are coerced to the declared types.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { FastifySchemaCompiler } from 'fastify';
import type { ProblemDetail } from '../lib/problem.js';

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  // A date the platform can mean: year 0001 is valid RFC 3339 but no threat was seen then, and
  // such values break date arithmetic (deadlines, statistics) downstream.
  for (const name of ['date-time', 'date'] as const) {
    const base = fullFormats[name] as { validate: (x: string) => boolean };
    ajv.addFormat(name, { type: 'string', validate: (s: string) => base.validate(s) && isPlausibleYear(s) });
  }
  return ajv;
}

/** Dates from 1970 to 2999: anything else in a report, notice or query is a typo or an attack. */
export const YEAR_RANGE = [1970, 2999] as const;
function isPlausibleYear(s: string): boolean {
  const year = Number(s.slice(0, 4));
  return year >= YEAR_RANGE[0] && year <= YEAR_RANGE[1];
}

/**
 * Integers without an upper bound get the largest one JavaScript and a PostgreSQL bigint both
 * hold exactly, so `?offset=1e30` or an id of 99999999999999999999 is a 400, not a 500 from the
 * database. Applied to a copy of each route's schema when it is compiled.
 */
function boundIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(boundIntegers);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = boundIntegers(v);
  if (out.type === 'integer') {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = Number.MAX_SAFE_INTEGER;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = -Number.MAX_SAFE_INTEGER;
  }
  return out;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : paramAjv;
  return ajv.compile(boundIntegers(schema) as object) as any;
};

/** Ajv errors → problem details with a JSON pointer to each field. */
export function ajvErrorsToDetails(errors: ErrorObject[], part: string): ProblemDetail[] {
  return errors.map((e) => {
    let field = e.instancePath || '';
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      field = `${field}/${extra}`;
      message = `unknown field "${extra}"`;
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      field = `${field}/${missing}`;
      message = `"${missing}" is required`;
    } else if (e.keyword === 'enum' || e.keyword === 'const') {
      const allowed = (e.params as { allowedValues?: unknown[]; allowedValue?: unknown }).allowedValues ?? [(e.params as { allowedValue?: unknown }).allowedValue];
      message = `must be one of: ${allowed.join(', ')}`;
    }
    const prefix = part === 'body' ? '' : `/${part}`;
    return { field: `${prefix}${field}`, message, code: e.keyword };
  });
}

/** anyOf-of-literals errors are noisy: collapse them into one "must be one of" per field. */
export function collapseUnionErrors(details: ProblemDetail[], errors: ErrorObject[]): ProblemDetail[] {
  const literalFields = new Map<string, Set<unknown>>();
  for (const e of errors) {
    if (e.keyword === 'const') {
      const key = e.instancePath;
      if (!literalFields.has(key)) literalFields.set(key, new Set());
      literalFields.get(key)!.add((e.params as { allowedValue: unknown }).allowedValue);
    }
  }
  const out: ProblemDetail[] = [];
  const done = new Set<string>();
  for (const d of details) {
    const path = d.field ?? '';
    const raw = [...literalFields.keys()].find((k) => path.endsWith(k) && (k !== '' || path === '' || path.startsWith('/')));
    if (raw !== undefined && (d.code === 'const' || d.code === 'anyOf')) {
      if (done.has(path)) continue;
      done.add(path);
      out.push({ field: path, code: 'enum', message: `must be one of: ${[...literalFields.get(raw)!].join(', ')}` });
      continue;
    }
    out.push(d);
  }
  return out;
}
