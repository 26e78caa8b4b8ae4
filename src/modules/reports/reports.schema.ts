/**
 * The one specified submission format of Article 6: the content elements every unit uses to submit
 * a threat that involves others (or to record one it handled itself).
 */
import { Type, type Static } from 'typebox';
import { ObservableTypeSchema, TlpSchema } from '../indicators/indicators.schema.js';
import { CATEGORY_CODES, SUBTYPE_CODES } from './taxonomy.js';

export const CategorySchema = Type.Enum([...CATEGORY_CODES], {
  description: 'Article 2 category: malicious_resource, malicious_program, hidden_danger, incident, other',
});
export const SubtypeSchema = Type.Enum([...SUBTYPE_CODES], {
  description: 'Article 2 sub-type; must belong to the category (GET /api/v1/taxonomy lists them)',
});

export const ObservableInput = Type.Object(
  {
    type: ObservableTypeSchema,
    value: Type.String({ minLength: 1, maxLength: 4096, description: 'As observed; normalized to its canonical form on intake' }),
  },
  { additionalProperties: false },
);

export const AffectedParty = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Who is affected (organization or system name)' }),
    org_id: Type.Optional(Type.String({ format: 'uuid', description: 'When the affected party is a registered organization' })),
    kind: Type.Optional(
      Type.Enum(['party_government', 'critical_information_infrastructure', 'enterprise', 'individual', 'other']),
    ),
    province_code: Type.Optional(Type.String({ pattern: '^[1-8][0-9]0000$' })),
    contact: Type.Optional(Type.String({ maxLength: 200, description: 'Personal information: redacted for audiences not entitled to it' })),
  },
  { additionalProperties: false },
);

export const SelfMeasure = Type.Object(
  {
    measure: Type.String({ minLength: 1, maxLength: 100, description: 'What the unit did, e.g. block_ip, remove_malware' }),
    taken_at: Type.String({ format: 'date-time' }),
    result: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ReportCreate = Type.Object(
  {
    category: CategorySchema,
    subtype: SubtypeSchema,
    title: Type.String({ minLength: 1, maxLength: 300 }),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    discovered_at: Type.String({ format: 'date-time', description: 'When the threat was discovered' }),
    observables: Type.Array(ObservableInput, { maxItems: 1000, description: 'At most 1,000; larger sets go through POST /api/v1/imports' }),
    affected_party: Type.Optional(AffectedParty),
    tlp: TlpSchema,
    self_handled: Type.Optional(Type.Boolean({ description: 'The unit handled this itself (Art. 6): recorded and counted, not queued' })),
    self_measures: Type.Optional(Type.Array(SelfMeasure, { maxItems: 50 })),
    evidence_sha256: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { maxItems: 50, description: 'Evidence uploaded before with POST /api/v1/evidence' })),
    disclose_reporter: Type.Optional(Type.Boolean({ description: 'Whether noticed units may learn who reported (default: no)' })),
    valid_until: Type.Optional(Type.String({ format: 'date-time', description: 'When the indicators stop being a threat unless seen again' })),
    supersedes_id: Type.Optional(Type.String({ format: 'uuid', description: 'A correction: the earlier report of yours this one replaces' })),
  },
  { additionalProperties: false },
);
export type ReportCreate = Static<typeof ReportCreate>;

export const ObservableReceipt = Type.Object({
  index: Type.Integer(),
  type: Type.String(),
  value: Type.String({ description: 'Canonical value' }),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate')], { description: 'accepted: a new indicator; duplicate: already known, a sighting was added' }),
  indicator_id: Type.String(),
});

export const Report = Type.Object({
  id: Type.String({ format: 'uuid' }),
  org_id: Type.Union([Type.String(), Type.Null()], { description: 'Null where the viewer may not learn who reported' }),
  source: Type.String(),
  received_at: Type.String({ format: 'date-time' }),
  category: Type.String(),
  subtype: Type.String(),
  title: Type.String(),
  description: Type.String(),
  discovered_at: Type.String({ format: 'date-time' }),
  affected_party: Type.Union([Type.Unknown(), Type.Null()]),
  tlp: Type.String(),
  self_handled: Type.Boolean(),
  self_measures: Type.Array(Type.Unknown()),
  province_code: Type.Union([Type.String(), Type.Null()]),
  evidence_sha256: Type.Array(Type.String()),
  observable_count: Type.Integer(),
  version: Type.Integer(),
  supersedes_id: Type.Union([Type.String(), Type.Null()]),
});
export type Report = Static<typeof Report>;

export const ReportReceipt = Type.Object({
  ...Report.properties,
  observables: Type.Array(ObservableReceipt),
  case_id: Type.Optional(
    Type.String({ format: 'uuid', description: 'The threat case this report opened or joined (absent for a self-handled report): follow it at /api/v1/cases/{case_id}' }),
  ),
});
export type ReportReceipt = Static<typeof ReportReceipt>;

export const ReportListQuery = Type.Object(
  {
    category: Type.Optional(CategorySchema),
    province_code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    org_id: Type.Optional(Type.String({ format: 'uuid' })),
    self_handled: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Words in the title or description, any case, any part of a word (all must occur)' })),
    sort: Type.Optional(Type.Enum(['received_at', 'category', 'province_code'], { default: 'received_at', description: 'Sort key; ties are broken by id. Reports without a province sort as the empty code' })),
    order: Type.Optional(Type.Enum(['asc', 'desc'], { default: 'desc' })),
    before: Type.Optional(Type.String({ description: 'Keyset cursor from the previous page (`next`); only valid with the same sort and order' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type ReportListQuery = Static<typeof ReportListQuery>;

export const ImportQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson'), Type.Literal('lines')], { description: 'Default: from Content-Type' })),
    category: CategorySchema,
    subtype: SubtypeSchema,
    tlp: Type.Optional(TlpSchema),
    title: Type.Optional(Type.String({ maxLength: 300 })),
    type: Type.Optional(ObservableTypeSchema),
    valid_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Indicators expire this many days after discovery unless seen again' })),
    self_handled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ImportQuery = Static<typeof ImportQuery>;

export const ImportReceipt = Type.Object({
  id: Type.String(),
  report_id: Type.Union([Type.String(), Type.Null()]),
  total: Type.Integer({ description: 'Lines read (comments and blank lines not counted)' }),
  accepted: Type.Integer({ description: 'New indicators' }),
  duplicates: Type.Integer({ description: 'Already known, or repeated in this file: a sighting was added once' }),
  refused: Type.Integer(),
  refusals: Type.Array(
    Type.Object({ line: Type.Integer(), value: Type.String(), code: Type.String(), message: Type.String() }),
    { description: 'The first 1,000 refused lines with their reason' },
  ),
  created_at: Type.String({ format: 'date-time' }),
});
export type ImportReceipt = Static<typeof ImportReceipt>;
