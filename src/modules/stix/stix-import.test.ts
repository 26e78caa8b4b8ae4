import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isNewerVersion, parseBundle, type ParsedObject } from './stix-import.js';
import { TLP1_MARKING_IDS, TLP2_MARKING_IDS } from './stix-markings.js';
import { stixSchemasDir } from './stix-schema-validator.js';
import { fixtureDataPath } from '../../../test/fixtures/paths.js';

const SCHEMAS = stixSchemasDir();

function load(file: string): unknown {
  return JSON.parse(readFileSync(path.isAbsolute(file) ? file : path.resolve(SCHEMAS, file), 'utf8')) as unknown;
}

function countKinds(objects: ParsedObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

describe('parseBundle on real bundles', () => {
  test('MITRE ATT&CK for ICS: all 1,826 objects accepted or reported, nothing thrown', () => {
    const bundle = load(fixtureDataPath('ics-attack.json')) as { objects: unknown[] };
    const parsed = parseBundle(bundle);
    assert.equal(parsed.objects.length + parsed.invalid.length, 1826);
    assert.equal(bundle.objects.length, 1826);
    // The bundle is conformant STIX 2.1, custom x-mitre-* objects included.
    assert.deepEqual(parsed.invalid, []);
    assert.deepEqual(countKinds(parsed.objects), { other: 1826 });
    const types = new Set(parsed.objects.map((o) => o.type));
    assert.ok(types.has('x-mitre-tactic') && types.has('relationship') && types.has('marking-definition'));
    // Every object is kept verbatim.
    assert.equal(parsed.objects[100].object, bundle.objects[100]);
  });

  test('the OASIS APT1 report: indicators reduce to their CIDR blocks and domains', () => {
    const parsed = parseBundle(load('examples/threat-reports/apt1.json'));
    assert.deepEqual(parsed.invalid, []);
    assert.equal(parsed.objects.length, 76);
    const indicators = parsed.objects.filter((o) => o.kind === 'indicator');
    assert.equal(indicators.length, 12);
    const values = indicators.flatMap((o) => (o.kind === 'indicator' ? o.observables : []));
    assert.ok(values.some((v) => v.type === 'cidr' && v.value === '223.166.0.0/15'));
    assert.ok(values.some((v) => v.type === 'domain' && v.value === 'hugesoft.org'));
    // Lower-case hash keys (file:hashes.md5) are read as MD5.
    const hashes = values.filter((v) => v.type === 'file_hash');
    assert.equal(hashes.length, 3);
    assert.ok(hashes.every((h) => h.hash_algorithm === 'md5'));
    // The x509 AND pattern says more than a value list.
    const raw = indicators.filter((o) => o.kind === 'indicator' && o.kept_raw);
    assert.ok(raw.length >= 1);
    assert.ok(raw.every((o) => String(o.object.pattern).includes('x509-certificate')));
  });

  test('the OASIS Poison Ivy report: indicators with values, vulnerabilities as CVE observables', () => {
    const parsed = parseBundle(load('examples/threat-reports/poisonivy.json'));
    assert.deepEqual(parsed.invalid, []);
    assert.equal(parsed.objects.length, 155);
    const kinds = countKinds(parsed.objects);
    assert.equal(kinds.indicator, 25);
    const vulnerabilities = parsed.objects.filter((o) => o.type === 'vulnerability');
    assert.equal(vulnerabilities.length, 6);
    for (const v of vulnerabilities) {
      assert.equal(v.kind, 'observable');
      if (v.kind === 'observable') assert.match(v.observables[0].value, /^CVE-\d{4}-\d+$/);
    }
    const values = parsed.objects.flatMap((o) => (o.kind === 'indicator' ? o.observables : []));
    assert.ok(values.some((v) => v.type === 'ipv4' && v.value === '219.76.208.163'));
  });

  test('the OASIS infrastructure example: SCOs without spec_version are observables', () => {
    const parsed = parseBundle(load('examples/infrastructure.json'));
    assert.deepEqual(parsed.invalid, []);
    const observables = parsed.objects.flatMap((o) => (o.kind === 'observable' ? o.observables : []));
    assert.deepEqual(observables, [
      { type: 'ipv4', value: '198.51.100.3' },
      { type: 'domain', value: 'example.com' },
    ]);
  });
});

describe('parseBundle reports each invalid object with a reason', () => {
  const valid = {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    created: '2016-04-06T20:03:48.000Z',
    modified: '2016-04-06T20:03:48.000Z',
    pattern: "[ipv4-addr:value = '198.51.100.1' OR url:value = 'http://a.example/x']",
    pattern_type: 'stix',
    valid_from: '2016-01-01T00:00:00Z',
    object_marking_refs: [TLP1_MARKING_IDS.amber],
  };
  const broken: Array<[string, unknown, RegExp]> = [
    ['not an object', 'hello', /not a JSON object/],
    ['no type', { ...valid, type: undefined }, /type is required/],
    ['bad type name', { ...valid, type: 'Indicator' }, /not a valid STIX type name/],
    ['id of another type', { ...valid, id: 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }, /not 'indicator--' followed by an RFC 4122 UUID/],
    ['id not a uuid', { ...valid, id: 'indicator--1234' }, /RFC 4122 UUID/],
    ['no spec_version', { ...valid, spec_version: undefined }, /spec_version is required/],
    ['STIX 2.0', { ...valid, spec_version: '2.0' }, /not supported/],
    ['no created', { ...valid, created: undefined }, /created is required/],
    ['created in seconds', { ...valid, created: '2016-04-06T20:03:48Z' }, /precise to the millisecond/],
    ['modified before created', { ...valid, modified: '2016-04-06T20:03:47.000Z' }, /modified must be no earlier than created/],
    ['bad timestamp', { ...valid, valid_from: '2016-02-30T00:00:00Z' }, /valid_from is not a STIX timestamp/],
    ['valid_until before valid_from', { ...valid, valid_until: '2015-01-01T00:00:00Z' }, /valid_until must be later than valid_from/],
    ['bad pattern', { ...valid, pattern: "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']" }, /pattern: .*same object type.*at offset 29/],
    ['no pattern', { ...valid, pattern: undefined }, /pattern is required/],
    ['bad marking ref', { ...valid, object_marking_refs: ['identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'] }, /object_marking_refs\[0\] must reference marking-definition/],
    ['bad created_by_ref', { ...valid, created_by_ref: 'nope' }, /created_by_ref is not a STIX identifier/],
    ['malware without is_family', { type: 'malware', spec_version: '2.1', id: 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', created: valid.created, modified: valid.created, name: 'x' }, /is_family is required/],
    ['family without name', { type: 'malware', spec_version: '2.1', id: 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', created: valid.created, modified: valid.created, is_family: true }, /name is required/],
    ['sighting without target', { type: 'sighting', spec_version: '2.1', id: 'sighting--ee20065d-2555-424f-ad9e-0f8428623c75', created: valid.created, modified: valid.created }, /sighting_of_ref is required/],
    ['sighting count out of range', { type: 'sighting', spec_version: '2.1', id: 'sighting--ee20065d-2555-424f-ad9e-0f8428623c75', created: valid.created, modified: valid.created, sighting_of_ref: valid.id, count: -1 }, /count must be an integer/],
    ['relationship without target', { type: 'relationship', spec_version: '2.1', id: 'relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad', created: valid.created, modified: valid.created, relationship_type: 'indicates', source_ref: valid.id }, /target_ref is required/],
    ['report without refs', { type: 'report', spec_version: '2.1', id: 'report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3', created: valid.created, modified: valid.created, name: 'r', published: valid.created, object_refs: [] }, /object_refs must be a non-empty list/],
    ['observed-data without count', { type: 'observed-data', spec_version: '2.1', id: 'observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf', created: valid.created, modified: valid.created, first_observed: valid.created, last_observed: valid.created, object_refs: [valid.id] }, /number_observed is required/],
    ['identity without name', { type: 'identity', spec_version: '2.1', id: 'identity--311b2d2d-f010-4473-83ec-1edf84858f4c', created: valid.created, modified: valid.created }, /name is required/],
    ['vulnerability without name', { type: 'vulnerability', spec_version: '2.1', id: 'vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', created: valid.created, modified: valid.created }, /name is required/],
    ['ipv4-addr without value', { type: 'ipv4-addr', id: 'ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4' }, /value is required/],
    ['file without hashes or name', { type: 'file', id: 'file--28bb3599-77cd-5a82-a950-b5bc3caf07c4', size: 4 }, /file needs hashes or name/],
    ['a nested bundle', { type: 'bundle', id: 'bundle--28bb3599-77cd-5a82-a950-b5bc3caf07c4', objects: [] }, /cannot contain a bundle/],
    ['duplicate version', valid, /duplicate object/],
  ];
  const bundle = {
    type: 'bundle',
    id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
    objects: [valid, ...broken.map(([, object]) => object)],
  };
  const parsed = parseBundle(bundle);

  test('the valid object is accepted and classified', () => {
    assert.equal(parsed.objects.length, 1);
    const [only] = parsed.objects;
    assert.equal(only.kind, 'indicator');
    assert.equal(only.tlp, 'amber');
    if (only.kind === 'indicator') {
      assert.deepEqual(only.observables, [
        { type: 'ipv4', value: '198.51.100.1' },
        { type: 'url', value: 'http://a.example/x' },
      ]);
      assert.equal(only.kept_raw, false);
    }
  });

  broken.forEach(([label, , reason], i) => {
    test(`reports ${label}`, () => {
      const entry = parsed.invalid.find((e) => e.index === i + 1);
      assert.ok(entry, `object ${i + 1} not reported`);
      assert.match(entry.reason, reason);
      const object = bundle.objects[i + 1] as Record<string, unknown>;
      if (typeof object === 'object' && typeof object.id === 'string') assert.equal(entry.id, object.id);
      if (typeof object === 'object' && typeof object.type === 'string') assert.equal(entry.type, object.type);
    });
  });

  test('nothing else is reported', () => {
    assert.equal(parsed.invalid.length, broken.length);
  });

  test('an unusable bundle is one report, never an exception', () => {
    assert.deepEqual(parseBundle('{not json').invalid.map((e) => e.index), [-1]);
    assert.match(parseBundle([]).invalid[0].reason, /not a STIX bundle/);
    assert.match(parseBundle(null).invalid[0].reason, /not a STIX bundle/);
    const noObjects = parseBundle({ type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d' });
    assert.match(noObjects.invalid[0].reason, /objects must be a list/);
    assert.equal(parseBundle(JSON.stringify(bundle)).objects.length, 1);
  });

  test('non-STIX patterns and richer STIX patterns are kept raw', () => {
    const result = parseBundle({
      type: 'bundle',
      id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
      objects: [
        { ...valid, pattern_type: 'yara', pattern: 'rule x { condition: true }' },
        { ...valid, id: 'indicator--0b7e4e3d-0c46-4d0b-9b2a-9f0b5d6fd5a1', pattern: "[file:name = 'x.exe']", object_marking_refs: [TLP2_MARKING_IDS.red] },
      ],
    });
    assert.deepEqual(result.invalid, []);
    assert.deepEqual(result.objects.map((o) => (o.kind === 'indicator' ? [o.kept_raw, o.observables.length, o.tlp] : null)), [
      [true, 0, 'amber'],
      [true, 0, 'red'],
    ]);
  });
});

describe('isNewerVersion', () => {
  const a = { id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', modified: '2016-04-06T20:03:48.000Z' };
  test('compares modified of the same object, sub-millisecond digits included', () => {
    assert.equal(isNewerVersion({ ...a, modified: '2016-04-06T20:03:48.001Z' }, a), true);
    assert.equal(isNewerVersion(a, { ...a, modified: '2016-04-06T20:03:48.001Z' }), false);
    assert.equal(isNewerVersion(a, a), false);
    assert.equal(isNewerVersion({ ...a, modified: '2016-04-06T20:03:48.0000001Z' }, a), true);
    assert.equal(isNewerVersion({ ...a, modified: '2016-04-06T20:03:48Z' }, a), false);
  });
  test('is false across different objects or without modified', () => {
    assert.equal(isNewerVersion({ ...a, id: 'indicator--0b7e4e3d-0c46-4d0b-9b2a-9f0b5d6fd5a1', modified: '2030-01-01T00:00:00.000Z' }, a), false);
    assert.equal(isNewerVersion({ id: a.id }, a), false);
  });
});
