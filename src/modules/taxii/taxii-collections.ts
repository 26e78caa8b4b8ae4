/**
 * The TAXII 2.1 collections of the one API root, and who may read and write each (pure).
 *
 * Collections are audiences, not folders: an object belongs to every collection whose audience it
 * falls in, read from the columns every stored object carries (TLP, province, owning and
 * responsible organization). So:
 *  - `public` (TLP:CLEAR) and `tlp-green`: readable by every registered organization; public is
 *    written by the ministry only (publication needs the regulator, Art. 11);
 *  - `tlp-amber`, `tlp-amber-strict`, `tlp-red`: readable by the ministry and the professional
 *    institutions; any organization may write into them (sharing with the platform is intake);
 *  - one per province (GB/T 2260): everything of that province, any TLP, for the ministry, the
 *    institutions and that province's administration (Art. 3);
 *  - one per organization (its id): what it shared and what it answers for up to TLP:AMBER
 *    (never AMBER+STRICT or RED: the access module's rule), read by it, the ministry and the institutions; written by it (its own
 *    sharing) and by the ministry (addressed to it).
 * Writing needs the reporter, analyst or admin role, as submitting a report does.
 * Ids are fixed UUIDv5s (an organization's collection has the organization's id), so a client can
 * keep them in its configuration.
 */
import { v5 as uuidv5 } from 'uuid';
import { hasRole, isInstitution, isNationalRegulator, type Principal } from '../auth/principal.js';
import { PROVINCES } from '../orgs/provinces.js';
import { THREATSHARE_STIX_NAMESPACE } from '../stix/stix-ids.js';
import type { Tlp } from '../stix/stix.types.js';

export type CollectionAudience =
  | { kind: 'tlp'; tlp: Tlp }
  | { kind: 'province'; province_code: string }
  | { kind: 'organization'; org_id: string };

export interface CollectionDef {
  id: string;
  alias?: string;
  title: string;
  description: string;
  audience: CollectionAudience;
}

export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

const collectionId = (name: string) => uuidv5(`taxii-collection/${name}`, THREATSHARE_STIX_NAMESPACE);

const TLP_COLLECTIONS: readonly CollectionDef[] = [
  { tlp: 'clear', alias: 'public', title: 'Public (TLP:CLEAR)', description: 'Threat information released to the public (TLP:CLEAR), after regulator approval (Art. 11).' },
  { tlp: 'green', alias: 'tlp-green', title: 'Community (TLP:GREEN)', description: 'Shared with every registered organization of the platform (TLP:GREEN).' },
  { tlp: 'amber', alias: 'tlp-amber', title: 'TLP:AMBER', description: 'TLP:AMBER: the ministry and the professional institutions read it; organizations share into it.' },
  { tlp: 'amber+strict', alias: 'tlp-amber-strict', title: 'TLP:AMBER+STRICT', description: 'TLP:AMBER+STRICT: the ministry and the professional institutions read it; organizations share into it.' },
  { tlp: 'red', alias: 'tlp-red', title: 'TLP:RED', description: 'TLP:RED: the ministry and the professional institutions read it; organizations share into it.' },
].map((c) => ({ id: collectionId(`tlp/${c.tlp}`), alias: c.alias, title: c.title, description: c.description, audience: { kind: 'tlp' as const, tlp: c.tlp as Tlp } }));

const PROVINCE_COLLECTIONS: readonly CollectionDef[] = PROVINCES.map((p) => ({
  id: collectionId(`province/${p.code}`),
  alias: `province-${p.code}`,
  title: `${p.name_en} (${p.code})`,
  description: `Threat information of ${p.name_en} (${p.name_zh}), any TLP, for its communications administration (Art. 3).`,
  audience: { kind: 'province' as const, province_code: p.code },
}));

const STATIC = new Map<string, CollectionDef>([...TLP_COLLECTIONS, ...PROVINCE_COLLECTIONS].map((c) => [c.id, c]));

export function tlpCollections(): readonly CollectionDef[] {
  return TLP_COLLECTIONS;
}

export function provinceCollections(): readonly CollectionDef[] {
  return PROVINCE_COLLECTIONS;
}

/** The collection of a fixed id (TLP and province collections); organization ones need the registry. */
export function staticCollection(id: string): CollectionDef | undefined {
  return STATIC.get(id);
}

export function organizationCollection(org: { id: string; name: string; short_code?: string }): CollectionDef {
  return {
    id: org.id,
    ...(org.short_code ? { alias: `org-${org.short_code}` } : {}),
    title: org.name,
    description: `What ${org.name} shares, and what is addressed to it or it answers for.`,
    audience: { kind: 'organization', org_id: org.id },
  };
}

const canShare = (p: Principal) => hasRole(p, 'reporter', 'analyst', 'admin');

export function canReadCollection(p: Principal, a: CollectionAudience): boolean {
  if (isNationalRegulator(p) || isInstitution(p)) return true;
  switch (a.kind) {
    case 'tlp':
      return a.tlp === 'clear' || a.tlp === 'green';
    case 'province':
      return p.orgKind === 'regulator_provincial' && p.provinceCode === a.province_code;
    case 'organization':
      return p.orgId === a.org_id;
  }
}

export function canWriteCollection(p: Principal, a: CollectionAudience): boolean {
  if (!canShare(p)) return false;
  switch (a.kind) {
    case 'tlp':
      return a.tlp === 'clear' ? isNationalRegulator(p) : true;
    case 'province':
      return isNationalRegulator(p) || (p.orgKind === 'regulator_provincial' && p.provinceCode === a.province_code);
    case 'organization':
      return p.orgId === a.org_id || isNationalRegulator(p);
  }
}

/** The collections listed to a principal: those it may read or write (others by id only). */
export function listedCollections(p: Principal, own: CollectionDef | null): CollectionDef[] {
  const out = TLP_COLLECTIONS.filter((c) => canReadCollection(p, c.audience) || canWriteCollection(p, c.audience));
  out.push(...PROVINCE_COLLECTIONS.filter((c) => canReadCollection(p, c.audience) || canWriteCollection(p, c.audience)));
  if (own) out.push(own);
  return out;
}

/** The TAXII collection resource (TAXII 2.1 §5.2). */
export function presentCollection(p: Principal, c: CollectionDef) {
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    ...(c.alias ? { alias: c.alias } : {}),
    can_read: canReadCollection(p, c.audience),
    can_write: canWriteCollection(p, c.audience),
    media_types: [STIX_MEDIA_TYPE],
  };
}
