/** TypeBox schemas of decisions (Art. 8). */
import { Type, type Static } from 'typebox';
import { MEASURE_CODES } from './measures.js';

const Target = Type.Object({ type: Type.String(), value: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });

const DeadlineOverride = Type.Union(
  [
    Type.Object({ hours: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
    Type.Object({ days: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    Type.Object({ working_days: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    Type.String({ format: 'date-time' }),
  ],
  { description: 'Override the policy deadline: a period from issue, or an instant' },
);

export const PhoneCall = Type.Object(
  {
    caller: Type.String({ minLength: 1, maxLength: 200, description: 'Who called (the regulator\u2019s officer)' }),
    callee: Type.String({ minLength: 1, maxLength: 200, description: 'Whom: the person at the unit who took the call' }),
    called_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const DecisionMeasure = Type.Object(
  {
    measure: Type.Enum([...MEASURE_CODES]),
    targets: Type.Optional(Type.Array(Target, { maxItems: 10000, description: 'Default: every indicator of the case the measure can act on' })),
    emergency: Type.Optional(Type.Boolean()),
    deadline: Type.Optional(DeadlineOverride),
    phone_call: Type.Optional(PhoneCall),
  },
  { additionalProperties: false },
);

export const DecisionInput = Type.Object(
  {
    reasons: Type.String({ minLength: 1, maxLength: 20000, description: 'The regulator\u2019s review of the identification' }),
    measures: Type.Array(DecisionMeasure, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type DecisionInput = Static<typeof DecisionInput>;

export const AssignUnroutedInput = Type.Object(
  {
    measure: Type.Enum([...MEASURE_CODES]),
    targets: Type.Array(Target, { minItems: 1, maxItems: 10000 }),
    org_id: Type.String({ format: 'uuid', description: 'The unit (or authority) that receives the notice' }),
  },
  { additionalProperties: false },
);
export type AssignUnroutedInput = Static<typeof AssignUnroutedInput>;

export const Decision = Type.Object(
  {
    id: Type.String(),
    case_id: Type.String(),
    regulator_org_id: Type.String(),
    reasons: Type.String(),
    measures: Type.Array(Type.Object({}, { additionalProperties: true })),
    unrouted: Type.Array(Type.Object({ measure: Type.String(), target: Type.Object({ type: Type.String(), value: Type.String() }), detail: Type.String() }), { description: 'Targets no unit was found for: assign them by hand' }),
    notices: Type.Array(Type.Object({}, { additionalProperties: true })),
    created_at: Type.String(),
  },
  { additionalProperties: true },
);
