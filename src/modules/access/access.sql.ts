/**
 * The rows of ACCESS_TABLE as SQL conditions, for the repositories that filter in the database
 * (feeds and blocklist exports over `indicators i`, TAXII over `stix_objects o`). Each states the
 * same rule as a predicate of this module; test/access-matrix.test.ts runs both against seeded rows.
 */
import { sql, type RawBuilder } from 'kysely';
import { PERSONAL_INDICATOR_TYPES } from './confidentiality.js';
import type { FeedAudience } from './feed-audience.js';

/** The TLP markings an organization receives for what it answers for (TLP 2.0: AMBER yes, AMBER+STRICT and RED no). */
export const RESPONSIBLE_UNIT_TLPS = ['clear', 'green', 'amber'] as const;

/**
 * How a value enters the SQL: bound as a parameter, or (for COPY, which binds none) inlined as a
 * literal after a strict check of its shape. The caller supplies it.
 */
export type Bind = (value: string | number, shape: 'uuid' | 'province' | 'type' | 'id') => RawBuilder<unknown>;
const bound: Bind = (value) => sql`${value}`;

/** The indicator rule (isInFeed) in SQL over `indicators i`: a notice in force ordering the unit to block it counts too. */
export function indicatorAudienceSql(a: FeedAudience, bind: Bind = bound): RawBuilder<boolean> {
  if (a.kind === 'all') return sql<boolean>`true`;
  if (a.kind === 'public') return sql<boolean>`i.tlp = 'clear'`;
  const province = a.province_code === null ? sql`false` : sql`i.province_code = ${bind(a.province_code, 'province')}`;
  const org = bind(a.org_id, 'uuid');
  return sql<boolean>`(${province} OR i.tlp IN ('clear', 'green')
    OR (i.tlp = 'amber' AND i.responsible_org_id = ${org}::uuid)
    OR EXISTS (SELECT 1 FROM sightings s WHERE s.indicator_id = i.id AND s.org_id = ${org}::uuid)
    OR EXISTS (SELECT 1 FROM notice_orders o WHERE o.org_id = ${org}::uuid AND o.indicator_id = i.id))`;
}

/**
 * An organization's TAXII collection over `stix_objects o`: what it shared itself, and what it
 * answers for up to TLP:AMBER. AMBER+STRICT stays inside the organization that marked it, RED with
 * its named recipients: neither is handed on because an organization answers for the resource.
 */
export function stixOrganizationBranches(orgId: string): RawBuilder<unknown>[] {
  return [sql`o.owner_org_id = ${orgId}::uuid`, sql`o.responsible_org_id = ${orgId}::uuid AND o.tlp IN ('clear', 'green', 'amber')`];
}

/** A TAXII collection's audience, as taxii-collections.ts states it. */
export type StixCollectionAudience =
  | { kind: 'tlp'; tlp: string }
  | { kind: 'province'; province_code: string }
  | { kind: 'organization'; org_id: string };

const PERSONAL_TYPES_SQL = sql.raw(`(${[...PERSONAL_INDICATOR_TYPES].map((t) => `'${t}'`).join(', ')})`);

/**
 * A TAXII collection over `indicators i`, whose objects TAXII renders from the rows: the same
 * audience as a stored object's, with the row's audience TLP (stix-render.ts storedAudienceTlp:
 * a personal value is served to TLP:AMBER's audience at least, Art. 12) and no owner (the
 * platform's records are nobody's share). One condition per branch, each served by an
 * (audience, updated_at, id) index of migration 0019.
 */
export function indicatorStixBranches(a: StixCollectionAudience): RawBuilder<unknown>[] {
  switch (a.kind) {
    case 'tlp':
      if (a.tlp === 'clear' || a.tlp === 'green') return [sql`i.tlp = ${a.tlp} AND i.type NOT IN ${PERSONAL_TYPES_SQL}`];
      if (a.tlp === 'amber') return [sql`i.tlp = 'amber'`, sql`i.tlp IN ('clear', 'green') AND i.type IN ${PERSONAL_TYPES_SQL}`];
      return [sql`i.tlp = ${a.tlp}`];
    case 'province':
      return [sql`i.province_code = ${a.province_code}`];
    case 'organization':
      // The audience TLP of a personal value is AMBER at most where the row's is CLEAR or GREEN: the same set.
      return [sql`i.responsible_org_id = ${a.org_id}::uuid AND i.tlp IN ('clear', 'green', 'amber')`];
  }
}

/** The same rule for one stored object, for the predicate side of the matrix test. */
export function isInOrganizationCollection(orgId: string, o: { owner_org_id: string | null; responsible_org_id: string | null; tlp: string }): boolean {
  return o.owner_org_id === orgId || (o.responsible_org_id === orgId && (RESPONSIBLE_UNIT_TLPS as readonly string[]).includes(o.tlp));
}
