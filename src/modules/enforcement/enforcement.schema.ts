/** TypeBox schemas of enforcement cases, penalties and appeals (Art. 10, 13). */
import { Type } from 'typebox';
import { PENALTY_KINDS, PENALTY_PROVISIONS, PENALTY_TIERS } from './legal-basis.js';

export const EnforcementCase = Type.Object(
  {
    id: Type.String(),
    state: Type.String(),
    allowed_events: Type.Array(Type.String()),
    notice_id: Type.String(),
    case_id: Type.Union([Type.String(), Type.Null()]),
    org_id: Type.String({ description: 'The unit that did not act in time' }),
    province_code: Type.Union([Type.String(), Type.Null()]),
    penalty_notice_id: Type.Union([Type.String(), Type.Null()], { description: 'The signed penalty decision' }),
    opened_at: Type.String(),
    closed_at: Type.Union([Type.String(), Type.Null()]),
    actions: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), data: Type.Unknown(), actor_org_id: Type.String(), at: Type.String() })),
  },
  { additionalProperties: true },
);

export const InterviewInput = Type.Object(
  {
    held_at: Type.String({ format: 'date-time' }),
    participants: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50 }),
    summary: Type.String({ minLength: 1, maxLength: 20000 }),
  },
  { additionalProperties: false },
);

export const RectificationInput = Type.Object(
  { requirements: Type.String({ minLength: 1, maxLength: 20000 }), due_date: Type.String({ format: 'date' }) },
  { additionalProperties: false },
);

export const PenaltyInput = Type.Object(
  {
    provision: Type.Enum(Object.keys(PENALTY_PROVISIONS), { description: 'The Cybersecurity Law provision in force on the conduct date' }),
    tier: Type.Enum(Object.keys(PENALTY_TIERS)),
    kind: Type.Enum([...PENALTY_KINDS]),
    conduct_date: Type.Optional(Type.String({ format: 'date', description: 'Default: the day the notice went overdue (China time)' })),
    unit_amount: Type.Optional(Type.Integer({ minimum: 0, description: 'Fine on the unit, yuan' })),
    person_amount: Type.Optional(Type.Integer({ minimum: 0, description: 'Fine on the person directly responsible, yuan' })),
    person_name: Type.Optional(Type.String({ maxLength: 200 })),
    reasons: Type.Optional(Type.String({ maxLength: 20000 })),
  },
  { additionalProperties: false },
);

export const Appeal = Type.Object(
  {
    id: Type.String(),
    case_id: Type.String(),
    appellant_org_id: Type.String(),
    role: Type.String({ description: 'resource_holder, noticed_unit or reporter' }),
    subject: Type.String({ description: 'finding or rejection' }),
    state: Type.String(),
    allowed_events: Type.Array(Type.String()),
    reasons: Type.String(),
    reviewer_org_id: Type.Union([Type.String(), Type.Null()]),
    outcome: Type.Union([Type.String(), Type.Null()]),
    outcome_reasons: Type.Union([Type.String(), Type.Null()]),
    period_ends_at: Type.String(),
    created_at: Type.String(),
    decided_at: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);

export const AppealInput = Type.Object({ reasons: Type.String({ minLength: 1, maxLength: 20000 }) }, { additionalProperties: false });
export const AppealOutcomeInput = Type.Object(
  { outcome: Type.Union([Type.Literal('upheld'), Type.Literal('changed'), Type.Literal('withdrawn')]), reasons: Type.String({ minLength: 1, maxLength: 20000 }) },
  { additionalProperties: false },
);
export const AppealAssignInput = Type.Object({ reviewer_org_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
