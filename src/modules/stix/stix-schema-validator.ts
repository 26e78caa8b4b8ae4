/**
 * Validates STIX 2.1 objects against the OASIS JSON schemas (oasis-open/cti-stix2-json-schemas,
 * draft 2020-12) vendored in `vendor/stix2-json-schemas/` (BSD-3-Clause, see its SOURCE.md). Used by the tests
 * and usable by a startup self-check; it reads files, so it stays out of the pure modules.
 *
 * Which schema: the type's own (sdos/, sros/, observables/, common/marking-definition,
 * common/extension-definition, common/language-content); a custom type falls back to the common
 * SCO schema when it has no `created` (our custom SCOs) and to the common SDO schema otherwise.
 * A bundle is checked member by member rather than with bundle.json: bundle.json's branch for
 * types it does not list (grouping, extension-definition, custom objects) is a `oneOf` of
 * core.json and cyber-observable-core.json, and every SDO-shaped object satisfies both, so it
 * would refuse valid members.
 */
import { STIX_SCO_TYPES, STIX_SDO_TYPES, STIX_SRO_TYPES } from './stix.types.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { domainToASCII, fileURLToPath } from 'node:url';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const SCHEMA_BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

const SDO_TYPES: readonly string[] = STIX_SDO_TYPES;
const SRO_TYPES: readonly string[] = STIX_SRO_TYPES;
const SCO_TYPES: readonly string[] = STIX_SCO_TYPES;

/** The schemas folder: `$STIX_SCHEMAS_DIR`, else `<repo>/vendor/stix2-json-schemas`. */
export function stixSchemasDir(): string {
  const fromEnv = process.env.STIX_SCHEMAS_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // This file is <repo>/src/modules/stix/stix-schema-validator.ts.
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return path.resolve(repo, 'vendor', 'stix2-json-schemas');
}

function listJsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listJsonFiles(full));
    else if (name.endsWith('.json')) out.push(full);
  }
  return out;
}

function schemaIdFor(object: Record<string, unknown>): string {
  const type = String(object.type);
  if (SDO_TYPES.includes(type)) return `${SCHEMA_BASE}sdos/${type}.json`;
  if (SRO_TYPES.includes(type)) return `${SCHEMA_BASE}sros/${type}.json`;
  if (SCO_TYPES.includes(type)) return `${SCHEMA_BASE}observables/${type}.json`;
  if (type === 'marking-definition' || type === 'extension-definition' || type === 'language-content') {
    return `${SCHEMA_BASE}common/${type}.json`;
  }
  return 'created' in object ? `${SCHEMA_BASE}common/core.json` : `${SCHEMA_BASE}common/cyber-observable-core.json`;
}

function formatErrors(errors: ErrorObject[] | null | undefined, prefix: string): string[] {
  return (errors ?? []).map((e) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return `${prefix}${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra !== undefined ? ` '${extra}'` : ''}`;
  });
}

export interface StixValidator {
  /** Errors of one STIX object or bundle against the OASIS schemas; empty when valid. */
  validate(object: unknown): string[];
}

export function createStixValidator(schemasDir: string = stixSchemasDir()): StixValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => void;
  addFormats(ajv);
  // The OASIS patterns escape "-" outside classes, which Unicode-mode RegExp refuses: hence unicodeRegExp off.
  // ajv-formats has no idn-hostname (domain-name.json uses it): accept what IDNA maps to a host name.
  ajv.addFormat('idn-hostname', (value: string) => {
    const ascii = domainToASCII(value);
    return ascii !== '' && ascii.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/i.test(ascii);
  });
  const root = path.join(schemasDir, 'schemas');
  for (const file of listJsonFiles(root)) ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')) as object);

  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (id: string): ValidateFunction => {
    let fn = compiled.get(id);
    if (fn === undefined) {
      fn = ajv.getSchema(id);
      if (fn === undefined) throw new Error(`no STIX schema with $id ${id} under ${root}`);
      compiled.set(id, fn);
    }
    return fn;
  };

  const validateOne = (object: unknown, prefix: string): string[] => {
    if (typeof object !== 'object' || object === null || Array.isArray(object)) return [`${prefix}/ is not a JSON object`];
    const record = object as Record<string, unknown>;
    if (typeof record.type !== 'string') return [`${prefix}/type is missing`];
    const fn = validatorFor(schemaIdFor(record));
    return fn(object) ? [] : formatErrors(fn.errors, prefix);
  };

  return {
    validate(object: unknown): string[] {
      const record = object as Record<string, unknown> | null;
      if (record !== null && typeof record === 'object' && record.type === 'bundle') {
        const errors: string[] = [];
        const identifier = validatorFor(`${SCHEMA_BASE}common/identifier.json`);
        if (typeof record.id !== 'string' || !record.id.startsWith('bundle--') || !identifier(record.id)) {
          errors.push('/id is not a bundle identifier');
        }
        if (!Array.isArray(record.objects) || record.objects.length === 0) errors.push('/objects must be a non-empty array');
        else record.objects.forEach((member, i) => errors.push(...validateOne(member, `/objects/${i}`)));
        return errors;
      }
      return validateOne(object, '');
    },
  };
}
