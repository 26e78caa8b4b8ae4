/**
 * STIX 2.1 identifiers (§2.9).
 *
 * SCOs get the standard deterministic id: UUIDv5 in the OASIS namespace over the RFC 8785 (JCS)
 * canonical JSON of the type's ID contributing properties, so the same IP or domain gets the same
 * id from us as from every other conformant producer, and consumers deduplicate for free.
 *
 * SDOs and SROs: §2.9 says they SHOULD use UUIDv4 and MUST NOT use the OASIS namespace if they
 * use UUIDv5. We derive them as UUIDv5 in our own platform namespace over `<stix-type>/<our row
 * uuid>` (relationships: over their type and both ends). Why not `indicator--<our uuid>`:
 *  - re-exporting a row yields the same id, so a new export is a new *version* of the same object
 *    (same id, later `modified`), which is exactly STIX versioning;
 *  - §2.9 forbids reusing one UUID for objects of different types, and one row of ours yields
 *    several objects (an indicator row gives an indicator and, inside a case, a sighting);
 *  - the OASIS schemas only accept UUID versions 1–5, whatever version our database generates.
 */
import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { parse as uuidParse, v5 as uuidv5 } from 'uuid';

/** The namespace §2.9 fixes for SCO ids. */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** threatshare's own namespace for SDO/SRO/bundle ids. Never change it: ids would all change. */
export const THREATSHARE_STIX_NAMESPACE = 'e35ac358-b524-485c-ac75-2849179a0c4e';

// Names and namespaces go to uuid's v5 as bytes: given strings, it converts them a character at a
// time, which was a fifth of the cost of rendering a TAXII page of indicators (issue 15).
const SCO_NAMESPACE_BYTES = uuidParse(STIX_SCO_NAMESPACE);
const THREATSHARE_NAMESPACE_BYTES = uuidParse(THREATSHARE_STIX_NAMESPACE);

export const PHONE_NUMBER_SCO_TYPE = 'x-threatshare-phone-number';
export const BROADBAND_ACCOUNT_SCO_TYPE = 'x-threatshare-broadband-account';

/**
 * ID contributing properties per SCO type, from the "ID Contributing Properties" line of each
 * object in §6 of STIX 2.1, plus our two custom SCOs (declared by our extension definition).
 * `process` has none: its id is a random UUIDv4.
 */
export const SCO_ID_CONTRIBUTING_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  artifact: ['hashes', 'payload_bin'],
  'autonomous-system': ['number'],
  directory: ['path'],
  'domain-name': ['value'],
  'email-addr': ['value'],
  'email-message': ['from_ref', 'subject', 'body'],
  file: ['hashes', 'name', 'extensions', 'parent_directory_ref'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': ['start', 'end', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'extensions'],
  software: ['name', 'cpe', 'swid', 'vendor', 'version'],
  url: ['value'],
  'user-account': ['account_type', 'user_id', 'account_login'],
  'windows-registry-key': ['key', 'values'],
  'x509-certificate': ['hashes', 'serial_number'],
  [PHONE_NUMBER_SCO_TYPE]: ['value'],
  [BROADBAND_ACCOUNT_SCO_TYPE]: ['value'],
};

const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}';
const TYPE_PATTERN = '[a-z][a-z0-9-]+[a-z0-9]';
const ID_RE = new RegExp(`^(${TYPE_PATTERN})--(${UUID_PATTERN})$`);

/**
 * §2.9: when `hashes` contributes, only one hash is used, preferring MD5, then SHA-1, SHA-256,
 * SHA-512, else the first key. (The order the OASIS reference implementation uses.)
 */
function chooseOneHash(hashes: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const algorithm of ['MD5', 'SHA-1', 'SHA-256', 'SHA-512']) {
    if (hashes[algorithm] !== undefined) return { [algorithm]: hashes[algorithm] };
  }
  const first = Object.keys(hashes)[0];
  return first === undefined ? undefined : { [first]: hashes[first] };
}

/**
 * The deterministic id of an SCO from its properties. Falls back to a random UUIDv4 when the
 * type has no contributing properties or none is present, as §2.9 prescribes.
 */
export function computeScoId(type: string, properties: Record<string, unknown>): string {
  const contributing = SCO_ID_CONTRIBUTING_PROPERTIES[type];
  const picked: Record<string, unknown> = {};
  for (const name of contributing ?? []) {
    let value = properties[name];
    if (value === undefined || value === null) continue;
    if (name === 'hashes' && typeof value === 'object') {
      value = chooseOneHash(value as Record<string, unknown>);
      if (value === undefined) continue;
    }
    picked[name] = value;
  }
  if (Object.keys(picked).length === 0) return `${type}--${randomUUID()}`;
  const canonical = canonicalize(picked);
  if (canonical === undefined) throw new TypeError(`cannot canonicalize the properties of ${type}`);
  return `${type}--${uuidv5(Buffer.from(canonical), SCO_NAMESPACE_BYTES)}`;
}

/**
 * A deterministic SDO/SMO id for one of our rows: UUIDv5 in the platform namespace over
 * `<type>/<key parts joined by '/'>`.
 */
export function deriveSdoId(type: string, ...keyParts: string[]): string {
  if (keyParts.length === 0) throw new TypeError('deriveSdoId needs at least one key part');
  return `${type}--${uuidv5(Buffer.from(`${type}/${keyParts.join('/')}`), THREATSHARE_NAMESPACE_BYTES)}`;
}

/** A deterministic relationship id: one per (type, source, target), so re-exports version it. */
export function deriveRelationshipId(relationshipType: string, sourceRef: string, targetRef: string): string {
  return deriveSdoId('relationship', relationshipType, sourceRef, targetRef);
}

/** True when `value` is a STIX identifier (`type--uuid`), optionally of the given type. */
export function isStixId(value: unknown, type?: string): value is string {
  if (typeof value !== 'string') return false;
  const match = ID_RE.exec(value);
  if (match === null) return false;
  return type === undefined || match[1] === type;
}

/** The type part of a STIX identifier, or null when it is not one. */
export function typeOfStixId(value: string): string | null {
  const match = ID_RE.exec(value);
  return match === null ? null : match[1];
}
