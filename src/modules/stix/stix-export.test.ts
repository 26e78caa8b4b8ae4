import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  caseToStix,
  indicatorToStix,
  indicatorTypesFor,
  observableToSco,
  organizationToIdentity,
  stixIdOfIndicator,
  toBundle,
} from './stix-export.js';
import {
  extensionDefinition,
  PLATFORM_IDENTITY_ID,
  platformIdentity,
  THREATSHARE_EXTENSION_ID,
  THREATSHARE_EXTENSION_SCHEMA,
} from './stix-extension.js';
import { computeScoId, deriveSdoId, isStixId } from './stix-ids.js';
import { markingRefsFor, TLP1_MARKING_IDS, TLP2_MARKING_IDS, tlpFromMarkingRefs, tlpMarkingDefinition, TLP_LEVELS } from './stix-markings.js';
import { parseBundle } from './stix-import.js';
import { createStixValidator } from './stix-schema-validator.js';
import type { IndicatorRecord, OrganizationRecord, StixObject, ThreatCaseRecord } from './stix.types.js';

const validator = createStixValidator();

function assertValid(object: unknown): void {
  assert.deepEqual(validator.validate(object), [], `${(object as StixObject).type} ${(object as StixObject).id}`);
}

const extensionAjv = new Ajv2020({ strict: false });
extensionAjv.addSchema(THREATSHARE_EXTENSION_SCHEMA as object);
function assertExtension(def: string, value: unknown): void {
  const fn = extensionAjv.getSchema(`threatshare-stix-extension.json#/$defs/${def}`);
  assert.ok(fn, `no $defs/${def}`);
  assert.equal(fn(value), true, JSON.stringify(fn.errors));
}

const T0 = new Date('2024-03-01T08:00:00.123Z');
const T1 = new Date('2024-03-05T10:30:00.000Z');

function indicator(overrides: Partial<IndicatorRecord>): IndicatorRecord {
  return {
    id: '5b0c5f43-5d8c-4a36-9a36-1f4c1a0c0001',
    type: 'ipv4',
    value: '198.51.100.7',
    category: 'malicious_resource',
    subtype: 'botnet_c2',
    status: 'active',
    first_seen: T0,
    last_seen: T1,
    valid_until: new Date('2024-06-01T00:00:00.000Z'),
    sighting_count: 12,
    province_code: '440000',
    operator: 'China Telecom',
    tlp: 'amber',
    created_at: T0,
    updated_at: T1,
    ...overrides,
  };
}

const ALL_TYPES: IndicatorRecord[] = [
  indicator({ id: '00000000-0000-4000-8000-000000000001', type: 'ipv4', value: '198.51.100.7' }),
  indicator({ id: '00000000-0000-4000-8000-000000000002', type: 'ipv6', value: '2001:db8::7' }),
  indicator({ id: '00000000-0000-4000-8000-000000000003', type: 'cidr', value: '203.0.113.0/24' }),
  indicator({ id: '00000000-0000-4000-8000-000000000004', type: 'cidr', value: '2001:db8::/48' }),
  indicator({ id: '00000000-0000-4000-8000-000000000005', type: 'domain', value: 'xn--fiqs8s.example.cn', subtype: 'phishing_site' }),
  indicator({ id: '00000000-0000-4000-8000-000000000006', type: 'url', value: "http://bad.example/it's/a?b=c&d=e", subtype: 'malware_distribution' }),
  indicator({ id: '00000000-0000-4000-8000-000000000007', type: 'email', value: 'phish@bad.example', subtype: 'phishing_email' }),
  indicator({ id: '00000000-0000-4000-8000-000000000008', type: 'phone', value: '+8613800138000', subtype: 'malicious_sms_mms' }),
  indicator({ id: '00000000-0000-4000-8000-000000000009', type: 'broadband_account', value: 'gz02087654321', subtype: 'attack_source' }),
  indicator({ id: '00000000-0000-4000-8000-00000000000a', type: 'file_hash', value: 'd41d8cd98f00b204e9800998ecf8427e', hash_algorithm: 'md5', category: 'malicious_program', subtype: 'trojan' }),
  indicator({ id: '00000000-0000-4000-8000-00000000000b', type: 'file_hash', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', hash_algorithm: 'sha1', category: 'malicious_program', subtype: 'worm' }),
  indicator({
    id: '00000000-0000-4000-8000-00000000000c',
    type: 'file_hash',
    value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    hash_algorithm: 'sha256',
    category: 'malicious_program',
    subtype: 'ransomware',
  }),
  indicator({ id: '00000000-0000-4000-8000-00000000000d', type: 'vulnerability', value: 'CVE-2021-44228', category: 'hidden_danger', subtype: 'code_vulnerability' }),
  indicator({ id: '00000000-0000-4000-8000-00000000000e', type: 'vulnerability', value: 'CNVD-2021-95914', category: 'hidden_danger', subtype: 'code_vulnerability' }),
  indicator({ id: '00000000-0000-4000-8000-00000000000f', type: 'vulnerability', value: 'CNNVD-202112-799', category: 'hidden_danger', subtype: 'code_vulnerability' }),
];

const ORGS: OrganizationRecord[] = [
  { id: '11111111-1111-4111-8111-111111111111', kind: 'telecom_operator', name: '中国电信广东分公司', name_en: 'China Telecom Guangdong', province_code: '440000', created_at: T0, updated_at: T1 },
  { id: '22222222-2222-4222-8222-222222222222', kind: 'security_vendor', name: '某安全公司', name_en: null, province_code: null, sectors: ['technology'], created_at: T0, updated_at: T0 },
];

const CASE: ThreatCaseRecord = {
  id: '33333333-3333-4333-8333-333333333333',
  title: 'Botnet controller cluster in Guangdong',
  category: 'malicious_resource',
  subtype: 'botnet_c2',
  severity: 'major',
  verdict: 'confirmed',
  analysis: 'Three controllers of the same bot family.',
  indicator_ids: ALL_TYPES.map((i) => i.id),
  created_at: T0,
  updated_at: T1,
  tlp: 'green',
};

describe('deterministic ids (STIX 2.1 §2.9)', () => {
  test('SCO ids match the vectors of the specification and other producers', () => {
    assert.equal(computeScoId('ipv4-addr', { value: '198.51.100.3' }), 'ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4');
    assert.equal(computeScoId('domain-name', { value: 'example.com' }), 'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7');
    assert.equal(computeScoId('ipv6-addr', { value: '2001:db8::1' }), 'ipv6-addr--6469e3a9-b053-5e34-a025-9396ae051d26');
    assert.equal(computeScoId('autonomous-system', { number: 15139 }), 'autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff');
  });

  test('only id contributing properties count, and one hash in MD5 > SHA-1 > SHA-256 order', () => {
    assert.equal(computeScoId('ipv4-addr', { value: '198.51.100.3', resolves_to_refs: ['x'] }), computeScoId('ipv4-addr', { value: '198.51.100.3' }));
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    assert.equal(
      computeScoId('file', { hashes: { 'SHA-256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', MD5: md5 } }),
      computeScoId('file', { hashes: { MD5: md5 } }),
    );
    assert.notEqual(computeScoId('file', { hashes: { MD5: md5 } }), computeScoId('file', { hashes: { MD5: md5 }, name: 'a.exe' }));
  });

  test('SDO ids are stable per row, distinct per type, and valid identifiers', () => {
    const a = deriveSdoId('indicator', CASE.id);
    assert.equal(a, deriveSdoId('indicator', CASE.id));
    assert.notEqual(a.split('--')[1], deriveSdoId('sighting', CASE.id).split('--')[1]);
    assert.ok(isStixId(a, 'indicator'));
    assert.equal(stixIdOfIndicator(ALL_TYPES[0]), indicatorToStix(ALL_TYPES[0])[1].id);
  });
});

describe('TLP 2.0 markings', () => {
  test('each marking definition is valid and names its level', () => {
    for (const tlp of TLP_LEVELS) {
      const marking = tlpMarkingDefinition(tlp);
      assertValid(marking);
      assert.equal(marking.id, TLP2_MARKING_IDS[tlp]);
      assert.equal(marking.name, `TLP:${tlp.toUpperCase()}`);
      assert.deepEqual(marking.extensions, {
        'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': { extension_type: 'property-extension', tlp_2_0: tlp },
      });
    }
    assert.equal(TLP2_MARKING_IDS.green, 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb');
  });

  test('tlpFromMarkingRefs reads TLP 2.0 and 1.0 ids and picks the strictest', () => {
    assert.equal(tlpFromMarkingRefs(markingRefsFor('amber+strict')), 'amber+strict');
    assert.equal(tlpFromMarkingRefs([TLP1_MARKING_IDS.white]), 'clear');
    assert.equal(tlpFromMarkingRefs([TLP2_MARKING_IDS.green, TLP1_MARKING_IDS.red, TLP2_MARKING_IDS.amber]), 'red');
    assert.equal(tlpFromMarkingRefs(['marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168']), null);
    assert.equal(tlpFromMarkingRefs(undefined), null);
  });
});

describe('fixed platform objects', () => {
  test('the platform identity and the extension definition are valid', () => {
    assertValid(platformIdentity());
    const ext = extensionDefinition({ base_url: 'https://threatshare.example/' });
    assertValid(ext);
    assert.equal(ext.schema, 'https://threatshare.example/docs/stix-extension');
    assert.deepEqual(ext.extension_types, ['property-extension', 'new-sco']);
    assert.equal(ext.created_by_ref, PLATFORM_IDENTITY_ID);
    assert.equal(platformIdentity().name, 'threatshare platform (CNCERT)');
  });
});

describe('indicatorToStix', () => {
  for (const ind of ALL_TYPES) {
    test(`emits valid objects for a ${ind.type} (${ind.value})`, () => {
      const objects = indicatorToStix(ind);
      for (const object of objects) assertValid(object);
      if (ind.type === 'vulnerability') {
        assert.equal(objects.length, 1);
        const [vulnerability] = objects;
        assert.equal(vulnerability.type, 'vulnerability');
        assert.equal(vulnerability.name, ind.value);
        const source = ind.value.split('-')[0].toLowerCase();
        assert.deepEqual(vulnerability.external_references, [{ source_name: source, external_id: ind.value }]);
        assertExtension('indicator_context', (vulnerability.extensions as Record<string, unknown>)[THREATSHARE_EXTENSION_ID]);
        return;
      }
      const [sco, sdo, rel] = objects;
      assert.equal(sdo.type, 'indicator');
      assert.equal(sdo.spec_version, '2.1');
      assert.equal(sdo.created_by_ref, PLATFORM_IDENTITY_ID);
      assert.deepEqual(sdo.object_marking_refs, [TLP2_MARKING_IDS.amber]);
      assert.deepEqual(sco.object_marking_refs, [TLP2_MARKING_IDS.amber]);
      assert.equal(sdo.created, '2024-03-01T08:00:00.123Z');
      assert.equal(sdo.modified, '2024-03-05T10:30:00.000Z');
      assert.equal(sdo.valid_from, '2024-03-01T08:00:00.123Z');
      assert.equal(sdo.valid_until, '2024-06-01T00:00:00.000Z');
      assert.equal(sdo.pattern_type, 'stix');
      assert.deepEqual(sdo.indicator_types, ['malicious-activity']);
      assert.deepEqual(sdo.labels, [`threatshare:category=${ind.category}`, `threatshare:subtype=${ind.subtype}`]);
      assert.deepEqual(
        { type: rel.type, relationship_type: rel.relationship_type, source_ref: rel.source_ref, target_ref: rel.target_ref },
        { type: 'relationship', relationship_type: 'based-on', source_ref: sdo.id, target_ref: sco.id },
      );
      assertExtension('indicator_context', (sdo.extensions as Record<string, unknown>)[THREATSHARE_EXTENSION_ID]);
      if (sco.type.startsWith('x-threatshare-')) {
        assertExtension(sco.type, sco);
        assert.deepEqual(sco.extensions, { [THREATSHARE_EXTENSION_ID]: { extension_type: 'new-sco' } });
      }
      // The observable round-trips through the pattern and through the SCO.
      const parsed = parseBundle(toBundle(objects));
      assert.deepEqual(parsed.invalid, []);
      const expected = { type: ind.type, value: ind.value, ...(ind.hash_algorithm ? { hash_algorithm: ind.hash_algorithm } : {}) };
      const fromIndicator = parsed.objects.find((o) => o.kind === 'indicator');
      const fromSco = parsed.objects.find((o) => o.kind === 'observable');
      assert.deepEqual(fromIndicator?.kind === 'indicator' ? fromIndicator.observables : null, [expected]);
      assert.deepEqual(fromSco?.kind === 'observable' ? fromSco.observables : null, [expected]);
      assert.equal(fromIndicator?.tlp, 'amber');
    });
  }

  test('the SCO of a domain carries the standard deterministic id', () => {
    assert.equal(observableToSco({ type: 'domain', value: 'example.com' })?.id, 'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7');
    assert.equal(observableToSco({ type: 'vulnerability', value: 'CVE-2021-44228' }), null);
  });

  test('withdrawn and false positives are revoked; a false positive is benign', () => {
    const fp = indicatorToStix(indicator({ status: 'false_positive' }))[1];
    assert.equal(fp.revoked, true);
    assert.deepEqual(fp.indicator_types, ['benign']);
    assert.equal(indicatorToStix(indicator({ status: 'withdrawn' }))[1].revoked, true);
    assert.equal(indicatorToStix(indicator({ status: 'active' }))[1].revoked, undefined);
  });

  test('valid_until: absent when unset, last update when expired, never before valid_from', () => {
    assert.equal(indicatorToStix(indicator({ valid_until: null }))[1].valid_until, undefined);
    assert.equal(indicatorToStix(indicator({ valid_until: null, status: 'expired' }))[1].valid_until, '2024-03-05T10:30:00.000Z');
    const inconsistent = indicatorToStix(indicator({ valid_until: new Date('2024-01-01T00:00:00.000Z') }))[1];
    assert.equal(inconsistent.valid_until, '2024-03-01T08:00:00.124Z');
    assertValid(inconsistent);
    assert.deepEqual(parseBundle(toBundle([inconsistent])).invalid, []);
  });

  test('null province and operator are omitted from the extension, not sent as null', () => {
    const sdo = indicatorToStix(indicator({ province_code: null, operator: null }))[1];
    const context = (sdo.extensions as Record<string, Record<string, unknown>>)[THREATSHARE_EXTENSION_ID];
    assert.equal('province_code' in context, false);
    assert.equal('operator' in context, false);
    assertValid(sdo);
  });

  test('indicator types follow the Article 2 taxon', () => {
    assert.deepEqual(indicatorTypesFor('incident', 'host_controlled'), ['compromised']);
    assert.deepEqual(indicatorTypesFor('hidden_danger', 'weak_password'), ['anomalous-activity']);
    assert.deepEqual(indicatorTypesFor('hidden_danger', 'backdoor'), ['compromised']);
    assert.deepEqual(indicatorTypesFor('malicious_program', 'virus'), ['malicious-activity']);
    assert.deepEqual(indicatorTypesFor('other', 'other'), ['unknown']);
  });
});

describe('organizationToIdentity', () => {
  test('emits a valid organization identity with our context and no contacts', () => {
    const identity = organizationToIdentity(ORGS[0]);
    assertValid(identity);
    assert.equal(identity.identity_class, 'organization');
    assert.equal(identity.name, '中国电信广东分公司');
    assert.deepEqual(identity.sectors, ['telecommunications']);
    assert.deepEqual(identity.object_marking_refs, [TLP2_MARKING_IDS.green]);
    const context = (identity.extensions as Record<string, unknown>)[THREATSHARE_EXTENSION_ID];
    assert.deepEqual(context, { extension_type: 'property-extension', organization_kind: 'telecom_operator', name_en: 'China Telecom Guangdong', province_code: '440000' });
    assertExtension('organization_context', context);
    assert.deepEqual(organizationToIdentity(ORGS[1], 'clear').sectors, ['technology']);
  });
});

describe('caseToStix', () => {
  const objects = caseToStix(CASE, ALL_TYPES, ORGS);
  const byType = (type: string): StixObject[] => objects.filter((o) => o.type === type);

  test('every object is valid against the OASIS schemas', () => {
    for (const object of objects) assertValid(object);
    assert.deepEqual(validator.validate(toBundle(objects)), []);
  });

  test('a confirmed case is a report referencing everything, with severity and verdict', () => {
    const [report] = byType('report');
    assert.ok(report);
    assert.equal(byType('grouping').length, 0);
    assert.deepEqual(report.report_types, ['threat-report', 'indicator', 'malware', 'vulnerability']);
    assert.equal(report.published, '2024-03-05T10:30:00.000Z');
    assert.equal(report.description, CASE.analysis);
    const refs = new Set(report.object_refs as string[]);
    for (const object of objects) if (object !== report) assert.ok(refs.has(object.id), `${object.id} not referenced`);
    const context = (report.extensions as Record<string, unknown>)[THREATSHARE_EXTENSION_ID];
    assert.deepEqual(context, { extension_type: 'property-extension', category: 'malicious_resource', subtype: 'botnet_c2', severity: 'major', verdict: 'confirmed' });
    assertExtension('case_context', context);
  });

  test('a botnet controller case has a bot malware indicated by every indicator', () => {
    const [malware] = byType('malware');
    assert.deepEqual({ name: malware.name, is_family: malware.is_family, malware_types: malware.malware_types }, { name: CASE.title, is_family: false, malware_types: ['bot'] });
    const indicates = byType('relationship').filter((r) => r.relationship_type === 'indicates');
    assert.equal(indicates.length, byType('indicator').length);
    assert.ok(indicates.every((r) => r.target_ref === malware.id));
  });

  test('one sighting per indicator, sighted by the reporting units, at the stricter TLP', () => {
    const sightings = byType('sighting');
    const indicators = byType('indicator');
    assert.equal(indicators.length, 12);
    assert.equal(sightings.length, 12);
    const identities = byType('identity').map((i) => i.id);
    assert.equal(identities.length, 2);
    for (const sighting of sightings) {
      assert.deepEqual(sighting.where_sighted_refs, identities);
      assert.equal(sighting.count, 12);
      assert.equal(sighting.first_seen, '2024-03-01T08:00:00.123Z');
      assert.deepEqual(sighting.object_marking_refs, [TLP2_MARKING_IDS.amber]);
      assert.ok(indicators.some((i) => i.id === sighting.sighting_of_ref));
    }
    assert.equal(byType('vulnerability').length, 3);
  });

  test('a case still needing information is a suspicious-activity grouping; indicators it does not list are left out', () => {
    const pending = caseToStix({ ...CASE, verdict: 'more_information_needed', indicator_ids: [ALL_TYPES[0].id], category: 'incident', subtype: 'data_leak' }, ALL_TYPES, []);
    for (const object of pending) assertValid(object);
    const [grouping] = pending.filter((o) => o.type === 'grouping');
    assert.equal(grouping.context, 'suspicious-activity');
    assert.equal(pending.filter((o) => o.type === 'report' || o.type === 'malware').length, 0);
    assert.equal(pending.filter((o) => o.type === 'indicator').length, 1);
    const [sighting] = pending.filter((o) => o.type === 'sighting');
    assert.equal('where_sighted_refs' in sighting, false);
    const rejected = caseToStix({ ...CASE, verdict: 'rejected', indicator_ids: [] }, [], []);
    assert.equal(rejected.length, 2); // malware + grouping
    assert.equal(rejected[1].context, 'unspecified');
    for (const object of rejected) assertValid(object);
  });

  test('exporting twice yields the same ids', () => {
    assert.deepEqual(caseToStix(CASE, ALL_TYPES, ORGS).map((o) => o.id), objects.map((o) => o.id));
  });
});

describe('toBundle', () => {
  test('adds the definitions the objects need and validates', () => {
    const bundle = toBundle(caseToStix(CASE, ALL_TYPES, ORGS));
    assert.deepEqual(validator.validate(bundle), []);
    const ids = new Set(bundle.objects.map((o) => o.id));
    assert.ok(ids.has(PLATFORM_IDENTITY_ID));
    assert.ok(ids.has(THREATSHARE_EXTENSION_ID));
    for (const tlp of ['clear', 'green', 'amber'] as const) assert.ok(ids.has(TLP2_MARKING_IDS[tlp]), tlp);
    assert.equal(ids.has(TLP2_MARKING_IDS.red), false);
    assert.equal(ids.size, bundle.objects.length);
    const parsed = parseBundle(bundle);
    assert.deepEqual(parsed.invalid, []);
    assert.equal(parsed.objects.length, bundle.objects.length);
  });

  test('keeps the newest version of an object and derives a stable id', () => {
    const older = indicatorToStix(indicator({ updated_at: T0 }))[1];
    const newer = indicatorToStix(indicator({ updated_at: T1 }))[1];
    const bundle = toBundle([newer, older], { include_definitions: false });
    assert.deepEqual(bundle.objects, [newer]);
    assert.equal(toBundle([older, newer], { include_definitions: false }).id, bundle.id);
    assert.notEqual(toBundle([older], { include_definitions: false }).id, bundle.id);
    assert.equal(toBundle([older], { id: 'bundle--6b6b0a4e-3a43-4f47-b9ad-2a6b0f1b0d51' }).id, 'bundle--6b6b0a4e-3a43-4f47-b9ad-2a6b0f1b0d51');
  });
});
