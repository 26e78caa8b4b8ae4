/**
 * The platform's own STIX identity and its extension definition (STIX 2.1 §7.3).
 *
 * One extension definition declares both things STIX 2.1 lacks for us (DESIGN.md §4 Interop):
 *  - a property extension carrying threatshare context: on indicators the Article 2 category and
 *    sub-type, status, province, operator and sighting count; on reports/groupings the
 *    identification's severity and verdict; on identities the organization kind and province;
 *  - two new SCO types for Article 8 targets STIX has no object for: phone numbers (E.164) and
 *    broadband accounts. §7.3 requires such SCOs to carry
 *    `extensions: {<extension-definition id>: {extension_type: 'new-sco'}}`.
 * Both ids are fixed forever: consumers key on them.
 */
import { BROADBAND_ACCOUNT_SCO_TYPE, PHONE_NUMBER_SCO_TYPE } from './stix-ids.js';
import { markingRefsFor } from './stix-markings.js';
import type { StixObject } from './stix.types.js';

export const PLATFORM_IDENTITY_ID = 'identity--01792f06-e42e-44bd-991f-7f5e78bc939c';
export const THREATSHARE_EXTENSION_ID = 'extension-definition--04fabb12-d2b4-4c89-a038-65b287ef3fbd';
export const THREATSHARE_EXTENSION_VERSION = '1.0.0';
/** Where the extension's normative definition is published, relative to the platform's base URL. */
export const THREATSHARE_EXTENSION_DOCS_PATH = '/docs/stix-extension';

/** The Measures took effect on 2018-01-01 (Art. 15); both fixed objects date from then. */
const FIXED_CREATED = '2018-01-01T00:00:00.000Z';

export { BROADBAND_ACCOUNT_SCO_TYPE, PHONE_NUMBER_SCO_TYPE };

/** The platform's identity: `created_by_ref` of everything we emit. Public, so TLP:CLEAR. */
export function platformIdentity(): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: PLATFORM_IDENTITY_ID,
    created_by_ref: PLATFORM_IDENTITY_ID,
    created: FIXED_CREATED,
    modified: FIXED_CREATED,
    name: 'threatshare platform (CNCERT)',
    description:
      'The cyber security threat information sharing and handling platform of the MIIT Measures for Monitoring and Handling Cyber Security Threats in Public Internet, run by CNCERT/CC.',
    identity_class: 'system',
    sectors: ['government-national'],
    object_marking_refs: markingRefsFor('clear'),
  };
}

export interface ExtensionDefinitionOptions {
  /** The platform's public base URL (no trailing slash); without it the schema is a path. */
  base_url?: string;
}

/** Our extension-definition object. */
export function extensionDefinition(options: ExtensionDefinitionOptions = {}): StixObject {
  const base = (options.base_url ?? '').replace(/\/+$/, '');
  return {
    type: 'extension-definition',
    spec_version: '2.1',
    id: THREATSHARE_EXTENSION_ID,
    created_by_ref: PLATFORM_IDENTITY_ID,
    created: FIXED_CREATED,
    modified: FIXED_CREATED,
    name: 'threatshare context',
    description:
      `threatshare context for shared threat information: a property extension carrying the Article 2 category and sub-type, status, province (GB/T 2260), operator and sighting count of indicators, the severity and verdict of identifications, the kind and province of organizations; and the new SCO types ${PHONE_NUMBER_SCO_TYPE} (value in E.164) and ${BROADBAND_ACCOUNT_SCO_TYPE} (value as issued by the operator).`,
    schema: `${base}${THREATSHARE_EXTENSION_DOCS_PATH}`,
    version: THREATSHARE_EXTENSION_VERSION,
    extension_types: ['property-extension', 'new-sco'],
    object_marking_refs: markingRefsFor('clear'),
  };
}

/** The `extensions` entry every one of our custom SCOs carries (§7.3). */
export function newScoExtension(): Record<string, { extension_type: 'new-sco' }> {
  return { [THREATSHARE_EXTENSION_ID]: { extension_type: 'new-sco' } };
}

const TIMESTAMP = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' } as const;

/**
 * The normative JSON Schema (draft 2020-12) of the extension, to be served at
 * THREATSHARE_EXTENSION_DOCS_PATH. `$defs` holds one schema per use; the tests validate every
 * extension we emit against it.
 */
export const THREATSHARE_EXTENSION_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'threatshare-stix-extension.json',
  title: 'threatshare context extension',
  description:
    'Extension definition ' + THREATSHARE_EXTENSION_ID + ' (version ' + THREATSHARE_EXTENSION_VERSION + ').',
  $defs: {
    indicator_context: {
      description: 'Property extension on indicator (and vulnerability) objects.',
      type: 'object',
      properties: {
        extension_type: { const: 'property-extension' },
        category: { type: 'string', description: 'Article 2 category code, e.g. malicious_resource.' },
        subtype: { type: 'string', description: 'Article 2 sub-type code, e.g. botnet_c2.' },
        status: { enum: ['active', 'handled', 'expired', 'false_positive', 'withdrawn'] },
        listing: {
          enum: ['reported', 'provisional', 'confirmed', 'ordered', 'lifted'],
          description: 'Whether the value is in force as a blocking order: reported (not identified: intelligence only), provisional (a trusted reporter), confirmed (identified), ordered (a handling notice in force), lifted (rejected or withdrawn on appeal).',
        },
        province_code: { type: 'string', pattern: '^\\d{6}$', description: 'GB/T 2260 code.' },
        operator: { type: 'string', description: 'Operator answering for the resource.' },
        sighting_count: { type: 'integer', minimum: 0 },
        first_seen: TIMESTAMP,
        last_seen: TIMESTAMP,
      },
      required: ['extension_type', 'category', 'subtype', 'status', 'sighting_count'],
      additionalProperties: false,
    },
    case_context: {
      description: 'Property extension on report and grouping objects describing a threat case.',
      type: 'object',
      properties: {
        extension_type: { const: 'property-extension' },
        category: { type: 'string' },
        subtype: { type: 'string' },
        severity: { enum: ['particularly_major', 'major', 'relatively_major', 'general'] },
        verdict: { enum: ['confirmed', 'rejected', 'more_information_needed'] },
      },
      required: ['extension_type', 'category', 'subtype', 'severity', 'verdict'],
      additionalProperties: false,
    },
    organization_context: {
      description: 'Property extension on identity objects for registered organizations.',
      type: 'object',
      properties: {
        extension_type: { const: 'property-extension' },
        organization_kind: {
          enum: [
            'regulator_national',
            'regulator_provincial',
            'professional_institution',
            'telecom_operator',
            'security_vendor',
            'internet_company',
            'domain_registrar',
          ],
        },
        name_en: { type: 'string' },
        province_code: { type: 'string', pattern: '^\\d{6}$' },
      },
      required: ['extension_type', 'organization_kind'],
      additionalProperties: false,
    },
    [PHONE_NUMBER_SCO_TYPE]: {
      description: 'A telephone number used in a threat (malicious SMS, fraud calls), in E.164.',
      type: 'object',
      properties: {
        type: { const: PHONE_NUMBER_SCO_TYPE },
        value: { type: 'string', pattern: '^\\+[1-9]\\d{1,14}$' },
      },
      required: ['type', 'id', 'value', 'extensions'],
      'x-id-contributing-properties': ['value'],
    },
    [BROADBAND_ACCOUNT_SCO_TYPE]: {
      description: 'A fixed broadband account as issued by an operator (Art. 8 blocking target).',
      type: 'object',
      properties: {
        type: { const: BROADBAND_ACCOUNT_SCO_TYPE },
        value: { type: 'string', minLength: 1 },
      },
      required: ['type', 'id', 'value', 'extensions'],
      'x-id-contributing-properties': ['value'],
    },
  },
} as const;
