/** TypeBox schemas of sharing's public format: exports and feeds, exclusions, bulletins, releases, subscriptions. */
import { Type, type Static } from 'typebox';
import { EXPORT_FORMAT_NAMES } from './exports/index.js';
import { SUBSCRIBABLE_EVENTS } from './subscriptions.service.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Tlp = Type.Union(['clear', 'green', 'amber', 'amber+strict', 'red'].map((t) => Type.Literal(t)), { description: 'TLP 2.0 marking' });
const WarningColour = Type.Union(['red', 'orange', 'yellow', 'blue'].map((t) => Type.Literal(t)), { description: 'Warning colour of the 2017 emergency response plan' });

export const ExportParams = Type.Object(
  { format: Type.Union(EXPORT_FORMAT_NAMES.map((f) => Type.Literal(f)), { description: 'rpz, nftables, plain-ip, plain-cidr, plain-domain, plain-url, plain-hash, hosts, csv, ndjson' }) },
  { additionalProperties: false },
);
export const ExportQuery = Type.Object(
  {
    include_subdomains: Type.Optional(Type.Boolean({ description: 'RPZ: also block every name below each domain (`*.domain`)' })),
    types: Type.Optional(Type.String({ description: 'Comma-separated indicator types, within what the format carries' })),
  },
  { additionalProperties: false },
);

export const ChangesQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page; absent: from the beginning; `now`: from the present, without the backlog' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
    types: Type.Optional(Type.String({ description: 'Comma-separated indicator types' })),
  },
  { additionalProperties: false },
);
export const FeedItem = Type.Object({
  id: Type.String(),
  type: Type.String(),
  value: Type.String(),
  hash_algorithm: Nullable(Type.String()),
  category: Type.String(),
  subtype: Type.String(),
  status: Type.String(),
  tlp: Type.String(),
  province_code: Nullable(Type.String()),
  first_seen: Type.String(),
  last_seen: Type.String(),
  valid_until: Nullable(Type.String()),
  sighting_count: Type.Integer(),
  excluded: Type.Boolean(),
  action: Type.Union([Type.Literal('add'), Type.Literal('remove')], { description: 'add: in the blocklist now; remove: withdrawn, expired, handled or excluded' }),
});
export const ChangesPage = Type.Object({ items: Type.Array(FeedItem), next_cursor: Type.String(), more: Type.Boolean() });

export const ExclusionEntry = Type.Object(
  { type: Type.String({ description: 'domain (with its subdomains), ipv4, ipv6, cidr, url, email…' }), value: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
export const ExclusionsBody = Type.Object({ entries: Type.Array(ExclusionEntry, { maxItems: 100000 }) }, { additionalProperties: false });
export const Exclusions = Type.Object({ entries: Type.Array(ExclusionEntry), updated_at: Nullable(Type.String()) });
export const ExclusionsResult = Type.Object({ entries: Type.Array(ExclusionEntry), excluded: Type.Integer(), included: Type.Integer() });

export const BulletinCreate = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 500 }),
    body: Type.String({ maxLength: 100000 }),
    tlp: Tlp,
    severity: Type.Optional(Type.String({ maxLength: 40 })),
    warning_colour: Type.Optional(WarningColour),
    indicator_ids: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]+$' }), { maxItems: 10000 })),
    case_ids: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 1000 })),
    recipients: Type.Object(
      {
        org_ids: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 10000, description: 'Named organizations' })),
        org_kinds: Type.Optional(Type.Array(Type.String(), { description: 'Every unit of these kinds (in the sender\u2019s province for a provincial administration); not for TLP:RED' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type BulletinCreate = Static<typeof BulletinCreate>;

const BulletinIndicator = Type.Object({ id: Type.String(), type: Type.String(), value: Type.String({ description: '[redacted] when personal information the reader is not entitled to' }), category: Type.String(), subtype: Type.String(), tlp: Type.String(), status: Type.String() });
export const Bulletin = Type.Object({
  id: Type.String(),
  sender_org_id: Type.String(),
  province_code: Nullable(Type.String()),
  title: Type.String(),
  body: Type.String(),
  tlp: Type.String(),
  severity: Nullable(Type.String()),
  warning_colour: Nullable(Type.String()),
  sent_at: Type.String(),
  indicators: Type.Array(BulletinIndicator),
  case_ids: Type.Array(Type.String()),
  read_at: Nullable(Type.String()),
  receipts: Type.Union([Type.Array(Type.Object({ org_id: Type.String(), name: Type.String(), delivered_at: Type.String(), read_at: Nullable(Type.String()) })), Type.Null()], { description: 'The sender and overseeing regulators only' }),
});
export const BulletinSummary = Type.Object({ id: Type.String(), title: Type.String(), tlp: Type.String(), severity: Nullable(Type.String()), warning_colour: Nullable(Type.String()), sent_at: Type.String(), read_at: Nullable(Type.String()), indicator_count: Type.Integer() });

export const ReleaseInput = Type.Object(
  {
    title_zh: Type.String({ minLength: 1, maxLength: 500 }),
    title_en: Type.Optional(Type.String({ maxLength: 500 })),
    summary_zh: Type.String({ maxLength: 5000 }),
    summary_en: Type.Optional(Type.String({ maxLength: 5000 })),
    body_zh: Type.String({ maxLength: 100000 }),
    body_en: Type.Optional(Type.String({ maxLength: 100000 })),
    category: Type.Optional(Type.String({ maxLength: 100 })),
    warning_colour: Type.Optional(WarningColour),
    indicator_ids: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]+$' }), { maxItems: 1000, description: 'TLP:CLEAR indicators only' })),
  },
  { additionalProperties: false },
);
export const ReleaseAction = Type.Object(
  { action: Type.Union(['submit', 'approve', 'reject', 'publish', 'withdraw'].map((a) => Type.Literal(a))), reasons: Type.Optional(Type.String({ maxLength: 5000 })) },
  { additionalProperties: false },
);
export const Release = Type.Object({
  id: Type.String(),
  state: Type.String(),
  author_org_id: Type.String(),
  title_zh: Type.String(),
  title_en: Nullable(Type.String()),
  summary_zh: Type.String(),
  summary_en: Nullable(Type.String()),
  body_zh: Type.String(),
  body_en: Nullable(Type.String()),
  category: Nullable(Type.String()),
  warning_colour: Nullable(Type.String()),
  review_reasons: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  published_at: Nullable(Type.String()),
  indicators: Type.Array(Type.Object({ type: Type.String(), value: Type.String(), category: Type.String(), subtype: Type.String(), status: Type.String() })),
});

export const SubscriptionCreate = Type.Object(
  {
    events: Type.Array(Type.Union(SUBSCRIBABLE_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, maxItems: 10 }),
    webhook_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Sets the organization\u2019s webhook endpoint (one per organization), signed with `secret`' })),
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200, description: 'HMAC-SHA256 key' })),
    webhook: Type.Optional(Type.Boolean({ description: 'Deliver to the organization\u2019s existing webhook endpoint too (default: when webhook_url is given)' })),
    org_id: Type.Optional(Type.String({ format: 'uuid', description: 'Default: the caller\u2019s organization' })),
  },
  { additionalProperties: false },
);
export const Subscription = Type.Object({ id: Type.String(), org_id: Type.String(), events: Type.Array(Type.String()), webhook: Type.Boolean(), created_at: Type.String() });
export const SubscriptionDelivery = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  state: Type.String(),
  attempts: Type.Integer(),
  last_status: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Nullable(Type.String()),
  created_at: Type.String(),
  delivered_at: Nullable(Type.String()),
});
