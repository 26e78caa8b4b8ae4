/** TypeBox schemas of threat cases and identifications (Art. 7). */
import { Type, type Static } from 'typebox';
import { MEASURE_CODES } from '../decisions/measures.js';
import { CASE_STATES, SEVERITY_CODES } from './case-state.js';

export const SeveritySchema = Type.Enum([...SEVERITY_CODES], { description: 'MIIT emergency plan grades: particularly_major, major, relatively_major, general' });

export const ThreatCase = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    state: Type.String({ description: `One of ${CASE_STATES.join(', ')}` }),
    allowed_events: Type.Array(Type.String()),
    category: Type.String(),
    subtype: Type.String(),
    title: Type.String(),
    province_code: Type.Union([Type.String(), Type.Null()], { description: 'Null: a national case (the ministry decides)' }),
    reporting_org_ids: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Null where the viewer may not learn who reported' }),
    assigned_org_id: Type.Union([Type.String(), Type.Null()]),
    severity: Type.Union([Type.String(), Type.Null()]),
    questions: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Open questions to the reporter (more information needed)' }),
    opened_at: Type.String(),
    assigned_at: Type.Union([Type.String(), Type.Null()]),
    identified_at: Type.Union([Type.String(), Type.Null()]),
    decided_at: Type.Union([Type.String(), Type.Null()]),
    closed_at: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);

export const CaseListQuery = Type.Object(
  {
    state: Type.Optional(Type.Enum([...CASE_STATES])),
    province_code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    category: Type.Optional(Type.String()),
    queue: Type.Optional(
      Type.Boolean({
        description: 'Only cases that wait for identification (open, identifying, more_info_needed); for an institution, only those assigned to it',
      }),
    ),
    report_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only the case(s) this report opened or joined' })),
    indicator_id: Type.Optional(Type.Integer({ minimum: 1, description: 'Only cases one of whose reports saw this indicator (the correlation of one value)' })),
    sort: Type.Optional(
      Type.Enum(['opened_at', 'state', 'severity', 'province_code'], {
        default: 'opened_at',
        description: 'Sort key; ties are broken by id. state: in the order of the workflow; severity: general up to particularly_major, none lowest; province_code: national cases first',
      }),
    ),
    order: Type.Optional(Type.Enum(['asc', 'desc'], { default: 'desc' })),
    before: Type.Optional(Type.String({ description: 'Keyset cursor from the previous page (`next`); only valid with the same sort and order' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type CaseListQuery = Static<typeof CaseListQuery>;

export const AssignInput = Type.Object(
  { institution_org_id: Type.Optional(Type.String({ format: 'uuid', description: 'Default: chosen by category and load' })) },
  { additionalProperties: false },
);

export const IdentificationInput = Type.Object(
  {
    verdict: Type.Union([Type.Literal('confirmed'), Type.Literal('rejected'), Type.Literal('more_info_needed')]),
    severity: Type.Optional(SeveritySchema),
    analysis: Type.Optional(Type.String({ maxLength: 50000 })),
    evidence_sha256: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { maxItems: 50 })),
    recommended_measures: Type.Optional(Type.Array(Type.Enum([...MEASURE_CODES]), { maxItems: 20 })),
    questions: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 20, description: 'For more_info_needed: questions to the reporter' })),
    reasons: Type.Optional(Type.String({ maxLength: 20000, description: 'For rejected' })),
  },
  { additionalProperties: false },
);
export type IdentificationInput = Static<typeof IdentificationInput>;

export const InformationInput = Type.Object(
  {
    answers: Type.String({ minLength: 1, maxLength: 50000 }),
    evidence_sha256: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type InformationInput = Static<typeof InformationInput>;

export const ReasonsInput = Type.Object({ reasons: Type.String({ minLength: 1, maxLength: 20000 }) }, { additionalProperties: false });
