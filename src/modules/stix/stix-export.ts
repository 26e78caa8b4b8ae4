/**
 * From our rows to STIX 2.1 objects (DESIGN.md §4 Interop: "STIX 2.1 in and out").
 *
 * Every SDO/SRO we emit is `spec_version: '2.1'`, created by the platform identity, marked with
 * its TLP 2.0 marking definition, timestamped to the millisecond, and carries an id derived
 * deterministically from our row (stix-ids.ts), so exporting again yields a newer version of
 * the same objects rather than duplicates. SCOs carry the standard deterministic ids; they have
 * no `created_by_ref` in STIX 2.1, and the OASIS TLP marking definitions are emitted verbatim.
 */
import canonicalize from 'canonicalize';
import { v5 as uuidv5 } from 'uuid';
import { THREAT_CATEGORIES, type ThreatCategory } from '../reports/taxonomy.js';
import {
  extensionDefinition,
  newScoExtension,
  PLATFORM_IDENTITY_ID,
  platformIdentity,
  THREATSHARE_EXTENSION_ID,
  type ExtensionDefinitionOptions,
} from './stix-extension.js';
import {
  BROADBAND_ACCOUNT_SCO_TYPE,
  computeScoId,
  deriveRelationshipId,
  deriveSdoId,
  PHONE_NUMBER_SCO_TYPE,
  THREATSHARE_STIX_NAMESPACE,
} from './stix-ids.js';
import { markingRefsFor, TLP2_MARKING_IDS, TLP_LEVELS, tlpMarkingDefinition } from './stix-markings.js';
import { buildPattern, inferHashAlgorithm } from './stix-pattern.js';
import { compareStixTimestamps, formatStixTimestamp } from './stix-time.js';
import type {
  IndicatorRecord,
  Observable,
  OrganizationKind,
  OrganizationRecord,
  StixBundle,
  StixObject,
  ThreatCaseRecord,
  Tlp,
} from './stix.types.js';

// ---------------------------------------------------------------------------------------------
// Small helpers

function stricterTlp(a: Tlp, b: Tlp): Tlp {
  return TLP_LEVELS.indexOf(a) >= TLP_LEVELS.indexOf(b) ? a : b;
}

/** `created` and a `modified` that is never earlier than it (§3.2 requires modified >= created). */
function timestamps(created: Date, updated: Date): { created: string; modified: string } {
  const modified = updated.getTime() < created.getTime() ? created : updated;
  return { created: formatStixTimestamp(created), modified: formatStixTimestamp(modified) };
}

function sdoCommon(type: string, id: string, created: Date, updated: Date, tlp: Tlp, times = timestamps(created, updated)): StixObject {
  return {
    type,
    spec_version: '2.1',
    id,
    created_by_ref: PLATFORM_IDENTITY_ID,
    ...times,
    object_marking_refs: markingRefsFor(tlp),
  };
}

function taxonLabel(category: string, subtype: string): string {
  const cat = (THREAT_CATEGORIES as Record<string, { subtypes: Record<string, { en: string }> }>)[category];
  return cat?.subtypes[subtype]?.en ?? `${category}/${subtype}`;
}

/** Labels naming the Article 2 taxon, so consumers without our extension can still filter. */
function taxonLabels(category: string, subtype: string): string[] {
  return [`threatshare:category=${category}`, `threatshare:subtype=${subtype}`];
}

// ---------------------------------------------------------------------------------------------
// Vocabulary mappings

/**
 * indicator-type-ov (STIX 2.1 §10.10) for an Article 2 taxon. Art. 2(1) and 2(2) are malicious
 * activity; 2(4) incidents (hosts controlled, data leaked, pages defaced) and backdoors mean the
 * asset is compromised; other hidden dangers (vulnerabilities, weak passwords) are anomalies
 * worth watching rather than attacks; a false positive is benign.
 */
export function indicatorTypesFor(category: string, subtype: string, status?: IndicatorRecord['status']): string[] {
  if (status === 'false_positive') return ['benign'];
  switch (category as ThreatCategory) {
    case 'malicious_resource':
    case 'malicious_program':
      return ['malicious-activity'];
    case 'hidden_danger':
      return subtype === 'backdoor' ? ['compromised'] : ['anomalous-activity'];
    case 'incident':
      return ['compromised'];
    default:
      return ['unknown'];
  }
}

/**
 * malware-type-ov (§10.15) for taxa that involve a malicious program: Art. 2(2) itself, the
 * controllers and distribution points of Art. 2(1), and product backdoors of Art. 2(3).
 * Null when the taxon involves no malware.
 */
export function malwareTypesFor(category: string, subtype: string): string[] | null {
  const table: Record<string, Record<string, string[]>> = {
    malicious_program: {
      trojan: ['trojan'],
      virus: ['virus'],
      worm: ['worm'],
      bot: ['bot'],
      ransomware: ['ransomware'],
      mobile_malware: ['unknown'],
      other: ['unknown'],
    },
    malicious_resource: {
      trojan_c2: ['remote-access-trojan'],
      botnet_c2: ['bot'],
      malware_distribution: ['unknown'],
    },
    hidden_danger: { backdoor: ['backdoor'] },
  };
  return table[category]?.[subtype] ?? null;
}

/** industry-sector-ov (§10.11) defaults by organization kind. */
const SECTORS_BY_KIND: Record<OrganizationKind, string[]> = {
  regulator_national: ['government-national'],
  regulator_provincial: ['government-regional'],
  professional_institution: ['government-public-services'],
  telecom_operator: ['telecommunications'],
  security_vendor: ['technology'],
  internet_company: ['technology'],
  domain_registrar: ['technology'],
};

/** external_references source names for vulnerability ids (CVE, CNVD, CNNVD). */
export function vulnerabilitySourceOf(id: string): 'cve' | 'cnvd' | 'cnnvd' | null {
  if (/^CVE-\d{4}-\d{4,}$/i.test(id)) return 'cve';
  if (/^CNVD-(C-)?\d{4}-\d+$/i.test(id)) return 'cnvd';
  if (/^CNNVD-\d{6}-\d+$/i.test(id)) return 'cnnvd';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Observables and indicators

const HASH_KEYS = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' } as const;

/**
 * The SCO for one observable, with its standard deterministic id. Null for vulnerabilities,
 * which STIX models as an SDO (see indicatorToStix).
 */
export function observableToSco(observable: Observable, tlp?: Tlp): StixObject | null {
  let type: string;
  let properties: Record<string, unknown>;
  switch (observable.type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr':
      // ipv4-addr/ipv6-addr values may be CIDR blocks (§6.7.1, §6.8.1).
      type = observable.value.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
      properties = { value: observable.value };
      break;
    case 'domain':
      type = 'domain-name';
      properties = { value: observable.value };
      break;
    case 'url':
      type = 'url';
      properties = { value: observable.value };
      break;
    case 'email':
      type = 'email-addr';
      properties = { value: observable.value };
      break;
    case 'phone':
      type = PHONE_NUMBER_SCO_TYPE;
      properties = { value: observable.value };
      break;
    case 'broadband_account':
      type = BROADBAND_ACCOUNT_SCO_TYPE;
      properties = { value: observable.value };
      break;
    case 'file_hash': {
      const algorithm = observable.hash_algorithm ?? inferHashAlgorithm(observable.value);
      if (algorithm === null) throw new TypeError(`cannot tell the hash algorithm of '${observable.value}'`);
      type = 'file';
      properties = { hashes: { [HASH_KEYS[algorithm]]: observable.value } };
      break;
    }
    case 'vulnerability':
      return null;
  }
  const sco: StixObject = { type, spec_version: '2.1', id: computeScoId(type, properties), ...properties };
  if (type === PHONE_NUMBER_SCO_TYPE || type === BROADBAND_ACCOUNT_SCO_TYPE) sco.extensions = newScoExtension();
  if (tlp !== undefined) sco.object_marking_refs = markingRefsFor(tlp);
  return sco;
}

/** The STIX id our indicator row is exported under (indicator, or vulnerability for CVE-like rows). */
export function stixIdOfIndicator(indicator: Pick<IndicatorRecord, 'id' | 'type'>): string {
  return deriveSdoId(indicator.type === 'vulnerability' ? 'vulnerability' : 'indicator', indicator.id);
}

function indicatorContext(ind: IndicatorRecord): Record<string, unknown> {
  const context: Record<string, unknown> = {
    extension_type: 'property-extension',
    category: ind.category,
    subtype: ind.subtype,
    status: ind.status,
    listing: ind.listing ?? 'reported',
    sighting_count: Math.max(0, Math.trunc(ind.sighting_count)),
    first_seen: formatStixTimestamp(ind.first_seen),
    last_seen: formatStixTimestamp(ind.last_seen),
  };
  // JSON null is not a valid STIX property value: absent context is omitted.
  if (ind.province_code !== null) context.province_code = ind.province_code;
  if (ind.operator !== null) context.operator = ind.operator;
  return context;
}

/**
 * One indicator row as STIX: the SCO, the indicator with its pattern, and a `based-on`
 * relationship from the indicator to the SCO. A vulnerability row (CVE/CNVD/CNNVD id) becomes a
 * single `vulnerability` object instead, since no SCO or pattern describes a vulnerability.
 *
 * Validity: `valid_from` is first_seen; `valid_until` is the row's, or for an expired row
 * without one its last update. STIX requires valid_until > valid_from, so an inconsistent row
 * (valid_until not after first_seen) is exported as valid for one millisecond: still expired,
 * never "valid forever". Withdrawn, false-positive and lifted rows are exported `revoked`; the
 * context extension says whether a value is only reported or in force as a blocking order.
 */
export function indicatorToStix(ind: IndicatorRecord): StixObject[] {
  const labels = taxonLabels(ind.category, ind.subtype);
  const extensions = { [THREATSHARE_EXTENSION_ID]: indicatorContext(ind) };
  // A value cleared by identification or withdrawn on appeal is no longer a threat: revoked, as
  // its case's rejection or withdrawal took it out of every blocking channel (issue 11).
  const revoked = ind.status === 'withdrawn' || ind.status === 'false_positive' || ind.listing === 'lifted';

  if (ind.type === 'vulnerability') {
    const source = vulnerabilitySourceOf(ind.value);
    const vulnerability: StixObject = {
      ...sdoCommon('vulnerability', stixIdOfIndicator(ind), ind.created_at, ind.updated_at, ind.tlp),
      name: ind.value,
      labels,
      extensions,
    };
    if (source !== null) vulnerability.external_references = [{ source_name: source, external_id: ind.value.toUpperCase() }];
    if (revoked) vulnerability.revoked = true;
    return [vulnerability];
  }

  const sco = observableToSco(
    { type: ind.type, value: ind.value, hash_algorithm: ind.hash_algorithm ?? undefined },
    ind.tlp,
  ) as StixObject;
  const times = timestamps(ind.created_at, ind.updated_at);
  const validFrom = ind.first_seen;
  let validUntil = ind.valid_until ?? (ind.status === 'expired' ? ind.updated_at : null);
  if (validUntil !== null && validUntil.getTime() <= validFrom.getTime()) validUntil = new Date(validFrom.getTime() + 1);

  const indicator: StixObject = {
    ...sdoCommon('indicator', stixIdOfIndicator(ind), ind.created_at, ind.updated_at, ind.tlp, times),
    name: `${taxonLabel(ind.category, ind.subtype)}: ${ind.value}`,
    indicator_types: indicatorTypesFor(ind.category, ind.subtype, ind.status),
    pattern: buildPattern({ type: ind.type, value: ind.value, hash_algorithm: ind.hash_algorithm ?? undefined }),
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: formatStixTimestamp(validFrom),
    labels,
    extensions,
  };
  if (validUntil !== null) indicator.valid_until = formatStixTimestamp(validUntil);
  if (revoked) indicator.revoked = true;

  const basedOn: StixObject = {
    ...sdoCommon(
      'relationship',
      deriveRelationshipId('based-on', indicator.id, sco.id),
      ind.created_at,
      ind.updated_at,
      ind.tlp,
      times,
    ),
    relationship_type: 'based-on',
    source_ref: indicator.id,
    target_ref: sco.id,
  };
  return [sco, indicator, basedOn];
}

// ---------------------------------------------------------------------------------------------
// Organizations

/**
 * An organization of the registry as a STIX identity (identity_class `organization`). Contacts
 * are personal information (Art. 12) and are never exported. Default marking TLP:GREEN: which
 * units take part is shareable within the community, not public.
 */
export function organizationToIdentity(org: OrganizationRecord, tlp: Tlp = 'green'): StixObject {
  const context: Record<string, unknown> = { extension_type: 'property-extension', organization_kind: org.kind };
  if (org.name_en !== null && org.name_en !== '') context.name_en = org.name_en;
  if (org.province_code !== null) context.province_code = org.province_code;
  const sectors = org.sectors !== undefined && org.sectors !== null && org.sectors.length > 0 ? org.sectors : SECTORS_BY_KIND[org.kind];
  return {
    ...sdoCommon('identity', deriveSdoId('identity', org.id), org.created_at, org.updated_at, tlp),
    name: org.name,
    identity_class: 'organization',
    sectors,
    extensions: { [THREATSHARE_EXTENSION_ID]: context },
  };
}

// ---------------------------------------------------------------------------------------------
// Threat cases

/**
 * A threat case with its identification as STIX:
 *  - each of its indicators (indicatorToStix), a `sighting` of each by the reporting units
 *    (`orgs`, as identities; count, first and last seen from the indicator row);
 *  - a `malware` object when the Article 2 taxon is or implies a malicious program, with an
 *    `indicates` relationship from every indicator;
 *  - a `report` when the verdict is confirmed, otherwise a `grouping` (context
 *    `suspicious-activity` while more information is needed, `unspecified` when rejected),
 *    referencing all of the above and carrying severity and verdict in our extension.
 * Indicators in `indicators` that the case does not list are ignored. Objects that tie an
 * indicator to the case are marked at the stricter of the two TLPs.
 */
export function caseToStix(
  threatCase: ThreatCaseRecord,
  indicators: readonly IndicatorRecord[],
  orgs: readonly OrganizationRecord[],
): StixObject[] {
  const listed = new Set(threatCase.indicator_ids);
  const members = indicators.filter((ind) => listed.has(ind.id));
  const objects: StixObject[] = [];

  const identities = orgs.map((org) => organizationToIdentity(org));
  objects.push(...identities);

  const malwareTypes = malwareTypesFor(threatCase.category, threatCase.subtype);
  let malware: StixObject | null = null;
  if (malwareTypes !== null) {
    malware = {
      ...sdoCommon('malware', deriveSdoId('malware', threatCase.id), threatCase.created_at, threatCase.updated_at, threatCase.tlp),
      name: threatCase.title,
      is_family: false,
      malware_types: malwareTypes,
      labels: taxonLabels(threatCase.category, threatCase.subtype),
    };
    objects.push(malware);
  }

  for (const ind of members) {
    objects.push(...indicatorToStix(ind));
    if (ind.type === 'vulnerability') continue;
    const indicatorId = stixIdOfIndicator(ind);
    const tlp = stricterTlp(threatCase.tlp, ind.tlp);
    const [firstSeen, lastSeen] =
      ind.first_seen.getTime() <= ind.last_seen.getTime() ? [ind.first_seen, ind.last_seen] : [ind.last_seen, ind.first_seen];
    const sighting: StixObject = {
      ...sdoCommon('sighting', deriveSdoId('sighting', threatCase.id, ind.id), threatCase.created_at, threatCase.updated_at, tlp),
      sighting_of_ref: indicatorId,
      first_seen: formatStixTimestamp(firstSeen),
      last_seen: formatStixTimestamp(lastSeen),
      count: Math.min(999_999_999, Math.max(0, Math.trunc(ind.sighting_count))),
    };
    if (identities.length > 0) sighting.where_sighted_refs = identities.map((identity) => identity.id);
    objects.push(sighting);
    if (malware !== null) {
      objects.push({
        ...sdoCommon(
          'relationship',
          deriveRelationshipId('indicates', indicatorId, malware.id),
          threatCase.created_at,
          threatCase.updated_at,
          tlp,
        ),
        relationship_type: 'indicates',
        source_ref: indicatorId,
        target_ref: malware.id,
      });
    }
  }

  const context = {
    extension_type: 'property-extension',
    category: threatCase.category,
    subtype: threatCase.subtype,
    severity: threatCase.severity,
    verdict: threatCase.verdict,
  };
  const labels = [...taxonLabels(threatCase.category, threatCase.subtype), `threatshare:severity=${threatCase.severity}`];
  const objectRefs = objects.map((o) => o.id);
  if (objectRefs.length === 0) objectRefs.push(PLATFORM_IDENTITY_ID); // report/grouping need ≥ 1 ref
  const base = {
    name: threatCase.title,
    ...(threatCase.analysis !== null && threatCase.analysis !== '' ? { description: threatCase.analysis } : {}),
    object_refs: objectRefs,
    labels,
    extensions: { [THREATSHARE_EXTENSION_ID]: context },
  };

  if (threatCase.verdict === 'confirmed') {
    const reportTypes = ['threat-report'];
    if (members.some((m) => m.type !== 'vulnerability')) reportTypes.push('indicator');
    if (malware !== null) reportTypes.push('malware');
    if (members.some((m) => m.type === 'vulnerability')) reportTypes.push('vulnerability');
    objects.push({
      ...sdoCommon('report', deriveSdoId('report', threatCase.id), threatCase.created_at, threatCase.updated_at, threatCase.tlp),
      ...base,
      report_types: reportTypes,
      published: formatStixTimestamp(threatCase.updated_at),
    });
  } else {
    objects.push({
      ...sdoCommon('grouping', deriveSdoId('grouping', threatCase.id), threatCase.created_at, threatCase.updated_at, threatCase.tlp),
      ...base,
      context: threatCase.verdict === 'more_information_needed' ? 'suspicious-activity' : 'unspecified',
    });
  }
  return objects;
}

// ---------------------------------------------------------------------------------------------
// Bundles

export interface BundleOptions {
  /** An explicit bundle id; by default one derived from the member ids and versions. */
  id?: string;
  /**
   * Add the definitions the objects refer to (TLP marking definitions, the platform identity,
   * our extension definition) so the bundle stands alone. Default true.
   */
  include_definitions?: boolean;
  extension?: ExtensionDefinitionOptions;
}

/**
 * Wraps objects in a bundle. Objects with the same id are collapsed to their newest version
 * (a bundle may legally hold several versions, but consumers handle one far better). The
 * default id is UUIDv5 over the members' ids and `modified`, so the same content gives the
 * same bundle id.
 */
export function toBundle(objects: readonly StixObject[], options: BundleOptions = {}): StixBundle {
  const byId = new Map<string, StixObject>();
  for (const object of objects) {
    const existing = byId.get(object.id);
    if (
      existing === undefined ||
      (typeof object.modified === 'string' &&
        typeof existing.modified === 'string' &&
        compareStixTimestamps(object.modified, existing.modified) > 0)
    ) {
      byId.set(object.id, object);
    }
  }
  const members = [...byId.values()];

  const definitions: StixObject[] = [];
  if (options.include_definitions ?? true) {
    const markingIds = new Set<string>();
    let needsPlatform = false;
    let needsExtension = false;
    for (const object of members) {
      if (Array.isArray(object.object_marking_refs)) for (const ref of object.object_marking_refs) markingIds.add(String(ref));
      if (object.created_by_ref === PLATFORM_IDENTITY_ID) needsPlatform = true;
      if (typeof object.extensions === 'object' && object.extensions !== null && THREATSHARE_EXTENSION_ID in object.extensions) {
        needsExtension = true;
      }
    }
    if (needsPlatform || needsExtension) {
      const platform = platformIdentity();
      const extension = extensionDefinition(options.extension);
      for (const ref of [...(platform.object_marking_refs as string[]), ...(extension.object_marking_refs as string[])]) {
        markingIds.add(ref);
      }
      if (!byId.has(platform.id)) definitions.push(platform);
      if (needsExtension && !byId.has(extension.id)) definitions.push(extension);
    }
    const markings = TLP_LEVELS.filter((tlp) => markingIds.has(TLP2_MARKING_IDS[tlp]) && !byId.has(TLP2_MARKING_IDS[tlp]));
    definitions.unshift(...markings.map(tlpMarkingDefinition));
  }

  const all = [...definitions, ...members];
  const fingerprint = canonicalize(all.map((o) => `${o.id}@${typeof o.modified === 'string' ? o.modified : ''}`).sort());
  const id = options.id ?? `bundle--${uuidv5(`bundle/${fingerprint ?? ''}`, THREATSHARE_STIX_NAMESPACE)}`;
  return { type: 'bundle', id, objects: all };
}
