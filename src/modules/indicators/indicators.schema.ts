/** The public format of indicators and lookups. */
import { Type, type Static } from 'typebox';
import { OBSERVABLE_TYPES } from './observable-types.js';

export const ObservableTypeSchema = Type.Enum([...OBSERVABLE_TYPES], {
  description: 'ipv4, ipv6, cidr, domain, url, email, phone (E.164), broadband_account, file_hash (MD5/SHA-1/SHA-256), vulnerability (CVE/CNVD/CNNVD)',
});

export const TlpSchema = Type.Enum(['clear', 'green', 'amber', 'amber+strict', 'red'], {
  description: 'Traffic Light Protocol 2.0',
});

export const IndicatorSummary = Type.Object({
  id: Type.String({ description: 'Indicator id' }),
  type: Type.String(),
  value: Type.String({ description: 'Canonical value' }),
  category: Type.String({ description: 'Article 2 category' }),
  subtype: Type.String(),
  status: Type.String({ description: 'active, handled, expired, false_positive or withdrawn' }),
  tlp: Type.String(),
  province_code: Type.Union([Type.String(), Type.Null()]),
  operator: Type.Union([Type.String(), Type.Null()]),
  first_seen: Type.String({ format: 'date-time' }),
  last_seen: Type.String({ format: 'date-time' }),
  sighting_count: Type.Integer(),
  valid_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  excluded: Type.Boolean({ description: 'Matches the exclusion list: kept out of blocklists until a regulator decides' }),
  listing: Type.Union(
    [Type.Literal('reported'), Type.Literal('provisional'), Type.Literal('confirmed'), Type.Literal('ordered'), Type.Literal('lifted')],
    { description: 'Why the value is or is not in force as a blocking order: reported (not identified yet), provisional (a trusted reporter), confirmed (identified), ordered (a notice in force), lifted (rejected or withdrawn on appeal)' },
  ),
  blocking: Type.Boolean({ description: 'Whether the value is in blocking exports now: listing confirmed, ordered or provisional; active; not excluded; not expired' }),
});
export type IndicatorSummary = Static<typeof IndicatorSummary>;

export const LookupResult = Type.Object({
  query: Type.String({ description: 'The value as asked' }),
  type: Type.Union([Type.String(), Type.Null()], { description: 'The type the value was read as, or null when it is no observable' }),
  value: Type.Union([Type.String(), Type.Null()], { description: 'Canonical form' }),
  known: Type.Boolean({ description: 'Whether this is a known threat that you may see' }),
  indicator: Type.Optional(IndicatorSummary),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type LookupResult = Static<typeof LookupResult>;

export const LookupQuery = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 4096, description: 'Any observable; its type is detected unless `type` is given' }),
    type: Type.Optional(ObservableTypeSchema),
  },
  { additionalProperties: false },
);

export const BatchLookupBody = Type.Object(
  {
    values: Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 10000 }),
    type: Type.Optional(ObservableTypeSchema),
  },
  { additionalProperties: false },
);

export const BatchLookupResult = Type.Object({
  results: Type.Array(LookupResult),
  known: Type.Integer(),
});

export const IndicatorDetail = Type.Object({
  ...IndicatorSummary.properties,
  ...Type.Object({
    reporters: Type.Array(
      Type.Object({
        org_id: Type.Union([Type.String(), Type.Null()], { description: 'Null where the reporter did not agree to be named' }),
        report_id: Type.Union([Type.String(), Type.Null()]),
        seen_at: Type.String({ format: 'date-time' }),
        category: Type.String(),
        subtype: Type.String(),
      }),
    ),
    responsible_org_id: Type.Union([Type.String(), Type.Null()]),
  }).properties,
});

export const IndicatorSearchQuery = Type.Object(
  {
    type: Type.Optional(ObservableTypeSchema),
    status: Type.Optional(Type.String()),
    category: Type.Optional(Type.String()),
    province_code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    q: Type.Optional(Type.String({ maxLength: 255, description: 'Part of the value, any case; a defanged value (hxxp://, example[.]com) is re-fanged' })),
    before_id: Type.Optional(Type.Integer({ minimum: 1, description: 'Keyset cursor: the last id of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);
export type IndicatorSearchQuery = Static<typeof IndicatorSearchQuery>;
