/** TypeBox schemas of notices, their documents and the actions on them. */
import { Type, type Static } from 'typebox';

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const Notice = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String({ description: 'handling_notice, penalty_decision, withdrawal or restoration' }),
    state: Type.String({ description: 'docs/workflow.md "Notice states"' }),
    allowed_events: Type.Array(Type.String(), { description: 'What may happen next in this state' }),
    case_id: Type.Union([Type.String(), Type.Null()]),
    decision_id: Type.Union([Type.String(), Type.Null()]),
    enforcement_case_id: Type.Union([Type.String(), Type.Null()]),
    references_notice_id: Type.Union([Type.String(), Type.Null()]),
    issuer_org_id: Type.String(),
    recipient_org_id: Type.String(),
    province_code: Type.Union([Type.String(), Type.Null()]),
    measure: Type.Union([Type.String(), Type.Null()]),
    targets: Type.Array(Type.Object({ type: Type.String(), value: Type.String() })),
    emergency: Type.Boolean(),
    severity: Type.Union([Type.String(), Type.Null()]),
    requires_result: Type.Boolean(),
    deadline: Time,
    phone_call: Type.Union([Type.Object({ caller: Type.String(), callee: Type.String(), called_at: Type.String() }), Type.Null()]),
    written_due_at: Time,
    written_late: Type.Boolean({ description: 'The written notice after a phone call came (or is still missing) past its due time' }),
    issued_at: Time,
    acknowledged_at: Type.Union([Type.String(), Type.Null()], { description: 'The legal delivery time' }),
    result: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    result_at: Time,
    verification: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    verified_at: Time,
    overdue_at: Time,
    key_id: Type.Union([Type.String(), Type.Null()]),
    document_url: Type.Union([Type.String(), Type.Null()]),
    print_url: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String(),
  },
  { description: 'A handling notice or another signed document to a unit' },
);

export const NoticeListQuery = Type.Object(
  {
    state: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    case_id: Type.Optional(Type.String({ format: 'uuid' })),
    province_code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

export const ResultInput = Type.Object(
  {
    summary: Type.String({ minLength: 1, maxLength: 20000, description: 'What the unit did' }),
    evidence_sha256: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { maxItems: 50, description: 'Evidence uploaded with POST /api/v1/evidence' })),
    completed_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type ResultInput = Static<typeof ResultInput>;

export const VerifyInput = Type.Object(
  {
    outcome: Type.Union([Type.Literal('accepted'), Type.Literal('sent_back')]),
    reasons: Type.Optional(Type.String({ maxLength: 5000, description: 'Required when sending back' })),
  },
  { additionalProperties: false },
);
export type VerifyInput = Static<typeof VerifyInput>;

export const SignedDocumentSchema = Type.Object(
  {
    document: Type.Object({}, { additionalProperties: true, description: 'The notice document (schema threatshare.notice/1)' }),
    signature: Type.Object({ alg: Type.Literal('Ed25519'), key_id: Type.String(), value: Type.String({ description: 'base64url Ed25519 signature over the RFC 8785 canonical JSON of document' }) }),
  },
  { description: 'A signed document; verify with the keys at /.well-known/threatshare-keys.json' },
);

export const PublicKeys = Type.Object({
  issuer: Type.String(),
  keys: Type.Array(
    Type.Object({
      key_id: Type.String(),
      alg: Type.Literal('Ed25519'),
      public_key_pem: Type.String(),
      fingerprint: Type.String(),
      valid_from: Type.String(),
      valid_until: Type.Union([Type.String(), Type.Null()], { description: 'Exclusive; null while the key is current' }),
    }),
  ),
});
