/**
 * The public format of organizations (Art. 5: responsible department, responsible person,
 * contacts, and the resources each unit answers for). TypeBox: one schema validates requests,
 * serializes responses and documents the API.
 */
import { Type, type Static } from 'typebox';
import { ORG_KINDS } from '../auth/principal.js';

export const ProvinceCode = Type.String({ pattern: '^[1-8][0-9]0000$', description: 'GB/T 2260 province-level code, e.g. 440000 (Guangdong)' });

export const Person = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'Full name' }),
    phone: Type.String({ minLength: 3, maxLength: 40, description: 'Phone, reachable around the clock for emergencies' }),
    email: Type.String({ format: 'email', maxLength: 254 }),
  },
  { additionalProperties: false },
);

export const Contact = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. duty desk, abuse, CSIRT' })),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  },
  { additionalProperties: false },
);

export const Scope = Type.Object(
  {
    kind: Type.Union([Type.Literal('cidr'), Type.Literal('asn'), Type.Literal('domain_suffix'), Type.Literal('service')], {
      description: 'cidr: an IP block the unit operates; asn: an autonomous system number; domain_suffix: names the unit registers or hosts; service: a named service',
    }),
    value: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: false },
);

export const OrgKindSchema = Type.Enum([...ORG_KINDS], { description: 'Kind of organization (DESIGN.md §1)' });

export const OperatorCode = Type.Enum(['china_telecom', 'china_unicom', 'china_mobile', 'china_broadnet', 'cernet', 'other'],
  { description: 'For telecom operators: which basic telecom enterprise this is (a branch carries its province)' },
);

export const OrganizationCreate = Type.Object(
  {
    kind: OrgKindSchema,
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Official name (Chinese)' }),
    name_en: Type.Optional(Type.String({ maxLength: 200 })),
    short_code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'Stable short identifier, e.g. china-telecom-gd' }),
    province_code: Type.Optional(Type.Union([ProvinceCode, Type.Null()])),
    operator: Type.Optional(Type.Union([OperatorCode, Type.Null()])),
    parent_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
    responsible_department: Type.String({ minLength: 1, maxLength: 200 }),
    responsible_person: Person,
    contacts: Type.Optional(Type.Array(Contact, { maxItems: 50 })),
    is_cii: Type.Optional(Type.Boolean({ description: 'Operates critical information infrastructure' })),
    is_party_government: Type.Optional(Type.Boolean({ description: 'A Party or government body' })),
    superior_org_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
    categories: Type.Optional(Type.Array(Type.String(), { maxItems: 10, description: 'For institutions: Article 2 categories it identifies' })),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 10000 })),
  },
  { additionalProperties: false },
);
export type OrganizationCreate = Static<typeof OrganizationCreate>;

export const OrganizationUpdate = Type.Partial(
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      name_en: Type.String({ maxLength: 200 }),
      province_code: Type.Union([ProvinceCode, Type.Null()]),
      operator: Type.Union([OperatorCode, Type.Null()]),
      responsible_department: Type.String({ minLength: 1, maxLength: 200 }),
      responsible_person: Person,
      contacts: Type.Array(Contact, { maxItems: 50 }),
      is_cii: Type.Boolean(),
      is_party_government: Type.Boolean(),
      superior_org_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
      categories: Type.Array(Type.String(), { maxItems: 10 }),
      status: Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('retired')]),
      scopes: Type.Array(Scope, { maxItems: 10000 }),
    },
    { additionalProperties: false },
  ),
  { additionalProperties: false },
);
export type OrganizationUpdate = Static<typeof OrganizationUpdate>;

/** What a unit may change of itself: its contacts (Art. 5 asks units to keep them current). */
export const ContactsUpdate = Type.Object(
  {
    responsible_department: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    responsible_person: Type.Optional(Person),
    contacts: Type.Optional(Type.Array(Contact, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type ContactsUpdate = Static<typeof ContactsUpdate>;

export const Organization = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: OrgKindSchema,
  name: Type.String(),
  name_en: Type.Union([Type.String(), Type.Null()]),
  short_code: Type.String(),
  province_code: Type.Union([Type.String(), Type.Null()]),
  province_name: Type.Union([Type.String(), Type.Null()]),
  operator: Type.Union([Type.String(), Type.Null()]),
  parent_id: Type.Union([Type.String(), Type.Null()]),
  responsible_department: Type.String(),
  responsible_person: Type.Object({ name: Type.String(), phone: Type.String(), email: Type.String() }),
  contacts: Type.Array(Type.Object({ name: Type.String(), role: Type.Optional(Type.String()), phone: Type.Optional(Type.String()), email: Type.Optional(Type.String()) })),
  is_cii: Type.Boolean(),
  is_party_government: Type.Boolean(),
  superior_org_id: Type.Union([Type.String(), Type.Null()]),
  categories: Type.Array(Type.String()),
  status: Type.String(),
  scopes: Type.Array(Type.Object({ kind: Type.String(), value: Type.String() })),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});
export type Organization = Static<typeof Organization>;

/** Who an organization is, and nothing classified: what a name in a table needs. */
export const OrganizationSummary = Type.Pick(Organization, ['id', 'kind', 'name', 'name_en', 'short_code', 'province_code', 'status']);
export type OrganizationSummary = Static<typeof OrganizationSummary>;

export const OrganizationList = Type.Object({
  items: Type.Array(Organization),
  total: Type.Integer(),
});

export const OrgListQuery = Type.Object(
  {
    kind: Type.Optional(OrgKindSchema),
    province_code: Type.Optional(ProvinceCode),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Substring of the name or short code' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 0 })),
  },
  { additionalProperties: false },
);
export type OrgListQuery = Static<typeof OrgListQuery>;
