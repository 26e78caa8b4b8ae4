/**
 * From a received STIX 2.1 bundle to classified objects (Art. 6 intake: "STIX 2.1 bundles").
 *
 * Each object is checked on its own, so one bad object never costs the rest of the bundle: the
 * common properties (type, `type--uuid` id, spec_version, created/modified for SDOs, SROs and
 * SMOs, reference and marking formats) and the required properties of the types we model. Valid
 * objects are classified: indicators with the observables their pattern reduces to, SCOs (and
 * vulnerabilities) we model as observables, everything else kept verbatim for the record.
 * Nothing here throws on bad input.
 */
import { STIX_SCO_TYPES, STIX_SDO_TYPES, STIX_SRO_TYPES } from './stix.types.js';
import { PHONE_NUMBER_SCO_TYPE, BROADBAND_ACCOUNT_SCO_TYPE, isStixId } from './stix-ids.js';
import { THREATSHARE_EXTENSION_ID } from './stix-extension.js';
import { tlpFromMarkingRefs } from './stix-markings.js';
import { extractObservables, isStixTimestamp, parsePattern, type PatternSyntaxError } from './stix-pattern.js';
import { compareStixTimestamps } from './stix-time.js';
import { vulnerabilitySourceOf } from './stix-export.js';
import type { HashAlgorithm, Observable, StixObject, Tlp } from './stix.types.js';

export interface ParsedBase {
  /** Position in the bundle's `objects`. */
  index: number;
  id: string;
  type: string;
  /** TLP from object_marking_refs (TLP 2.0 or 1.0), null when unmarked. */
  tlp: Tlp | null;
  /** The object exactly as received. */
  object: StixObject;
}

export interface ParsedIndicator extends ParsedBase {
  kind: 'indicator';
  /** Observables the pattern reduces to; empty when the pattern is kept raw. */
  observables: Observable[];
  /** True when the pattern is not a plain list of values (or not a STIX pattern at all). */
  kept_raw: boolean;
  /** Our extension's context when the producer is a threatshare platform. */
  context: Record<string, unknown> | null;
}

export interface ParsedObservable extends ParsedBase {
  kind: 'observable';
  observables: Observable[];
}

export interface ParsedOther extends ParsedBase {
  kind: 'other';
}

export type ParsedObject = ParsedIndicator | ParsedObservable | ParsedOther;

export interface InvalidObject {
  /** Position in `objects`; -1 when the bundle itself is unusable. */
  index: number;
  id?: string;
  type?: string;
  reason: string;
}

export interface ParsedBundle {
  bundle_id: string | null;
  objects: ParsedObject[];
  invalid: InvalidObject[];
}

const SDO_TYPES = new Set<string>(STIX_SDO_TYPES);
const SRO_TYPES = new Set<string>(STIX_SRO_TYPES);
const SMO_TYPES = new Set(['marking-definition', 'language-content', 'extension-definition']);
const SCO_TYPES = new Set<string>(STIX_SCO_TYPES);

/** §3.1: type names are 3–250 characters of a-z, 0-9 and hyphen, starting with a letter. */
const TYPE_RE = /^[a-z][a-z0-9-]{1,248}[a-z0-9]$/;
const MILLISECOND_RE = /T\d{2}:\d{2}:\d{2}\.\d{3,}Z$/;

class Invalid extends Error {}

function fail(reason: string): never {
  throw new Invalid(reason);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(o: Record<string, unknown>, name: string): string {
  const value = o[name];
  if (typeof value !== 'string' || value === '') fail(`${name} is required and must be a non-empty string`);
  return value;
}

function requireTimestamp(o: Record<string, unknown>, name: string, required: boolean, millis = false): string | undefined {
  const value = o[name];
  if (value === undefined) {
    if (required) fail(`${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || !isStixTimestamp(value)) fail(`${name} is not a STIX timestamp (RFC 3339, UTC 'Z')`);
  if (millis && !MILLISECOND_RE.test(value)) fail(`${name} must be precise to the millisecond`);
  return value;
}

function requireRef(o: Record<string, unknown>, name: string, required: boolean, types?: string[]): void {
  const value = o[name];
  if (value === undefined) {
    if (required) fail(`${name} is required`);
    return;
  }
  if (!isStixId(value)) fail(`${name} is not a STIX identifier`);
  if (types !== undefined && !types.some((t) => value.startsWith(`${t}--`))) fail(`${name} must reference ${types.join(' or ')}`);
}

function requireRefList(o: Record<string, unknown>, name: string, required: boolean, types?: string[]): void {
  const value = o[name];
  if (value === undefined) {
    if (required) fail(`${name} is required`);
    return;
  }
  if (!Array.isArray(value) || value.length === 0) fail(`${name} must be a non-empty list`);
  value.forEach((ref, i) => {
    if (!isStixId(ref)) fail(`${name}[${i}] is not a STIX identifier`);
    if (types !== undefined && !types.some((t) => ref.startsWith(`${t}--`))) fail(`${name}[${i}] must reference ${types.join(' or ')}`);
  });
}

function requireInteger(o: Record<string, unknown>, name: string, required: boolean, min: number, max: number): void {
  const value = o[name];
  if (value === undefined) {
    if (required) fail(`${name} is required`);
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be an integer from ${min} to ${max}`);
  }
}

function requireOrder(o: Record<string, unknown>, earlier: string, later: string, strict: boolean): void {
  const a = o[earlier];
  const b = o[later];
  if (typeof a !== 'string' || typeof b !== 'string') return;
  const cmp = compareStixTimestamps(b, a);
  if (strict ? !(cmp > 0) : !(cmp >= 0)) fail(`${later} must be ${strict ? 'later than' : 'no earlier than'} ${earlier}`);
}

/** Common properties (§3.2) and the checks every object gets. */
function checkCommon(o: Record<string, unknown>, type: string): void {
  const isSco = SCO_TYPES.has(type) || type === PHONE_NUMBER_SCO_TYPE || type === BROADBAND_ACCOUNT_SCO_TYPE;
  const isSdoLike = SDO_TYPES.has(type) || SRO_TYPES.has(type) || SMO_TYPES.has(type);
  if (o.spec_version === undefined) {
    // SCOs may omit spec_version (defaults to 2.1, §3.2); everything else must state it.
    if (!isSco) fail('spec_version is required');
  } else if (o.spec_version !== '2.1') {
    fail(`spec_version '${String(o.spec_version)}' is not supported (STIX 2.1 only)`);
  }
  const needsModified = isSdoLike && type !== 'marking-definition';
  // Custom objects: validate timestamps when present, we cannot tell an SDO from an SCO.
  requireTimestamp(o, 'created', isSdoLike, true);
  requireTimestamp(o, 'modified', needsModified, true);
  requireOrder(o, 'created', 'modified', false);
  requireRef(o, 'created_by_ref', type === 'extension-definition', ['identity']);
  requireRefList(o, 'object_marking_refs', false, ['marking-definition']);
  if (o.revoked !== undefined && typeof o.revoked !== 'boolean') fail('revoked must be a boolean');
  if (o.labels !== undefined && (!Array.isArray(o.labels) || o.labels.some((l) => typeof l !== 'string'))) {
    fail('labels must be a list of strings');
  }
  if (o.confidence !== undefined) requireInteger(o, 'confidence', false, 0, 100);
  if (o.external_references !== undefined) {
    if (!Array.isArray(o.external_references) || o.external_references.length === 0) fail('external_references must be a non-empty list');
    o.external_references.forEach((ref, i) => {
      if (!isPlainObject(ref) || typeof ref.source_name !== 'string') fail(`external_references[${i}] needs a source_name`);
    });
  }
  if (o.extensions !== undefined && !isPlainObject(o.extensions)) fail('extensions must be a dictionary');
}

/** Required properties of the types we model (STIX 2.1 §4–§7). */
function checkTypeSpecific(o: Record<string, unknown>, type: string): void {
  switch (type) {
    case 'indicator': {
      const pattern = requireString(o, 'pattern');
      const patternType = requireString(o, 'pattern_type');
      requireTimestamp(o, 'valid_from', true);
      requireTimestamp(o, 'valid_until', false);
      requireOrder(o, 'valid_from', 'valid_until', true);
      if (patternType === 'stix') {
        const parsed = parsePattern(pattern);
        if (!parsed.ok) fail(`pattern: ${describePatternError(parsed.error)}`);
      }
      break;
    }
    case 'malware':
      if (typeof o.is_family !== 'boolean') fail('is_family is required and must be a boolean');
      if (o.is_family === true) requireString(o, 'name');
      break;
    case 'vulnerability':
    case 'identity':
    case 'campaign':
    case 'intrusion-set':
    case 'attack-pattern':
    case 'threat-actor':
    case 'tool':
    case 'course-of-action':
    case 'infrastructure':
      requireString(o, 'name');
      break;
    case 'sighting':
      requireRef(o, 'sighting_of_ref', true);
      requireRefList(o, 'where_sighted_refs', false, ['identity', 'location']);
      requireRefList(o, 'observed_data_refs', false, ['observed-data']);
      requireInteger(o, 'count', false, 0, 999_999_999);
      requireTimestamp(o, 'first_seen', false);
      requireTimestamp(o, 'last_seen', false);
      requireOrder(o, 'first_seen', 'last_seen', false);
      break;
    case 'relationship':
      if (typeof o.relationship_type !== 'string' || !/^[a-z0-9-]+$/.test(o.relationship_type)) {
        fail('relationship_type is required: lower-case letters, digits and hyphens');
      }
      requireRef(o, 'source_ref', true);
      requireRef(o, 'target_ref', true);
      requireTimestamp(o, 'start_time', false);
      requireTimestamp(o, 'stop_time', false);
      requireOrder(o, 'start_time', 'stop_time', true);
      break;
    case 'observed-data':
      requireTimestamp(o, 'first_observed', true);
      requireTimestamp(o, 'last_observed', true);
      requireOrder(o, 'first_observed', 'last_observed', false);
      requireInteger(o, 'number_observed', true, 1, 999_999_999);
      if (o.object_refs === undefined && o.objects === undefined) fail('object_refs is required');
      if (o.object_refs !== undefined) requireRefList(o, 'object_refs', true);
      break;
    case 'report':
      requireString(o, 'name');
      requireTimestamp(o, 'published', true);
      requireRefList(o, 'object_refs', true);
      break;
    case 'grouping':
      requireString(o, 'context');
      requireRefList(o, 'object_refs', true);
      break;
    case 'marking-definition':
      if (o.extensions === undefined) {
        requireString(o, 'definition_type');
        if (!isPlainObject(o.definition)) fail('definition is required');
      }
      break;
    case 'extension-definition':
      requireString(o, 'name');
      requireString(o, 'schema');
      requireString(o, 'version');
      if (!Array.isArray(o.extension_types) || o.extension_types.length === 0) fail('extension_types is required');
      break;
    case 'ipv4-addr':
    case 'ipv6-addr':
    case 'domain-name':
    case 'url':
    case 'email-addr':
    case 'mac-addr':
    case PHONE_NUMBER_SCO_TYPE:
    case BROADBAND_ACCOUNT_SCO_TYPE:
      requireString(o, 'value');
      break;
    case 'file':
      if (o.hashes === undefined && o.name === undefined) fail('file needs hashes or name');
      if (o.hashes !== undefined && (!isPlainObject(o.hashes) || Object.keys(o.hashes).length === 0)) {
        fail('hashes must be a non-empty dictionary');
      }
      break;
    default:
      break;
  }
}

function describePatternError(error: PatternSyntaxError): string {
  return `${error.message} (at offset ${error.position})`;
}

const HASH_ALGORITHM_OF_KEY: Record<string, HashAlgorithm> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256' };

/** The observables an SCO (or a vulnerability SDO) we model stands for; empty when none. */
function observablesOfObject(o: Record<string, unknown>, type: string): Observable[] {
  const value = typeof o.value === 'string' ? o.value : null;
  switch (type) {
    case 'ipv4-addr':
      return value === null ? [] : [{ type: value.includes('/') ? 'cidr' : 'ipv4', value }];
    case 'ipv6-addr':
      return value === null ? [] : [{ type: value.includes('/') ? 'cidr' : 'ipv6', value }];
    case 'domain-name':
      return value === null ? [] : [{ type: 'domain', value }];
    case 'url':
      return value === null ? [] : [{ type: 'url', value }];
    case 'email-addr':
      return value === null ? [] : [{ type: 'email', value }];
    case PHONE_NUMBER_SCO_TYPE:
      return value === null ? [] : [{ type: 'phone', value }];
    case BROADBAND_ACCOUNT_SCO_TYPE:
      return value === null ? [] : [{ type: 'broadband_account', value }];
    case 'file': {
      if (!isPlainObject(o.hashes)) return [];
      const out: Observable[] = [];
      for (const [key, digest] of Object.entries(o.hashes)) {
        const algorithm = HASH_ALGORITHM_OF_KEY[key.toUpperCase().replace(/[-_]/g, '')];
        if (algorithm !== undefined && typeof digest === 'string') out.push({ type: 'file_hash', value: digest, hash_algorithm: algorithm });
      }
      return out;
    }
    case 'vulnerability': {
      const out: Observable[] = [];
      const refs = Array.isArray(o.external_references) ? o.external_references : [];
      for (const ref of refs) {
        if (!isPlainObject(ref) || typeof ref.external_id !== 'string') continue;
        const source = String(ref.source_name).toLowerCase();
        if ((source === 'cve' || source === 'cnvd' || source === 'cnnvd') && vulnerabilitySourceOf(ref.external_id) === source) {
          out.push({ type: 'vulnerability', value: ref.external_id.toUpperCase() });
        }
      }
      if (out.length === 0 && typeof o.name === 'string' && vulnerabilitySourceOf(o.name) !== null) {
        out.push({ type: 'vulnerability', value: o.name.toUpperCase() });
      }
      return out;
    }
    default:
      return [];
  }
}

function classify(index: number, o: Record<string, unknown>): ParsedObject {
  const base = {
    index,
    id: o.id as string,
    type: o.type as string,
    tlp: tlpFromMarkingRefs(Array.isArray(o.object_marking_refs) ? o.object_marking_refs : []),
    object: o as StixObject,
  };
  if (base.type === 'indicator') {
    const extension = isPlainObject(o.extensions) ? o.extensions[THREATSHARE_EXTENSION_ID] : undefined;
    const context = isPlainObject(extension) ? extension : null;
    if (o.pattern_type !== 'stix') return { ...base, kind: 'indicator', observables: [], kept_raw: true, context };
    const { observables, kept_raw } = extractObservables(o.pattern as string);
    return { ...base, kind: 'indicator', observables, kept_raw, context };
  }
  const observables = observablesOfObject(o, base.type);
  if (observables.length > 0) return { ...base, kind: 'observable', observables };
  return { ...base, kind: 'other' };
}

/**
 * Validates and classifies every object of a STIX 2.1 bundle. Accepts the parsed JSON or its
 * text. Duplicate ids with the same `modified` are reported; several versions of one object are
 * all kept (isNewerVersion picks among them).
 */
export function parseBundle(json: unknown): ParsedBundle {
  let input = json;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input) as unknown;
    } catch (error) {
      return { bundle_id: null, objects: [], invalid: [{ index: -1, reason: `not JSON: ${(error as Error).message}` }] };
    }
  }
  if (!isPlainObject(input) || input.type !== 'bundle') {
    return { bundle_id: null, objects: [], invalid: [{ index: -1, reason: "not a STIX bundle: type must be 'bundle'" }] };
  }
  const invalid: InvalidObject[] = [];
  const bundleId = isStixId(input.id, 'bundle') ? input.id : null;
  if (bundleId === null) invalid.push({ index: -1, reason: 'bundle id must be bundle--<uuid>' });
  if (!Array.isArray(input.objects)) {
    invalid.push({ index: -1, reason: 'bundle objects must be a list' });
    return { bundle_id: bundleId, objects: [], invalid };
  }

  const objects: ParsedObject[] = [];
  const versions = new Set<string>();
  input.objects.forEach((candidate: unknown, index: number) => {
    if (!isPlainObject(candidate)) {
      invalid.push({ index, reason: 'not a JSON object' });
      return;
    }
    const type = typeof candidate.type === 'string' ? candidate.type : undefined;
    const id = typeof candidate.id === 'string' ? candidate.id : undefined;
    try {
      if (type === undefined) fail('type is required');
      if (!TYPE_RE.test(type)) fail(`type '${type}' is not a valid STIX type name`);
      if (type === 'bundle') fail('a bundle cannot contain a bundle');
      if (id === undefined) fail('id is required');
      if (!isStixId(id, type)) fail(`id '${id}' is not '${type}--' followed by an RFC 4122 UUID`);
      checkCommon(candidate, type);
      checkTypeSpecific(candidate, type);
      const version = `${id}@${typeof candidate.modified === 'string' ? candidate.modified : ''}`;
      if (versions.has(version)) fail('duplicate object: same id and modified as an earlier object');
      versions.add(version);
      objects.push(classify(index, candidate));
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      invalid.push({ index, ...(id !== undefined ? { id } : {}), ...(type !== undefined ? { type } : {}), reason: error.message });
    }
  });
  return { bundle_id: bundleId, objects, invalid };
}

/**
 * True when `a` is a newer version of the same object than `b` (§3.6: same id, later
 * `modified`). Objects without `modified` (SCOs, marking definitions) are never versions.
 */
export function isNewerVersion(a: { id: string; modified?: unknown }, b: { id: string; modified?: unknown }): boolean {
  if (a.id !== b.id) return false;
  if (typeof a.modified !== 'string' || typeof b.modified !== 'string') return false;
  return compareStixTimestamps(a.modified, b.modified) > 0;
}
