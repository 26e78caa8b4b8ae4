import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrgKind, Principal, Role } from '../auth/principal.js';
import {
  canReadCollection,
  canWriteCollection,
  listedCollections,
  organizationCollection,
  provinceCollections,
  staticCollection,
  tlpCollections,
  type CollectionAudience,
} from './taxii-collections.js';

const ORG = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

function principal(kind: OrgKind, province: string | null = '440000', roles: Role[] = ['reporter'], orgId = ORG): Principal {
  return { orgId, orgKind: kind, orgName: 'x', provinceCode: province, userId: null, tokenId: null, username: null, roles };
}

const ministry = principal('regulator_national', null);
const institution = principal('professional_institution', null, ['analyst']);
const guangdong = principal('regulator_provincial', '440000');
const beijing = principal('regulator_provincial', '110000');
const unit = principal('security_vendor');
const auditorUnit = principal('security_vendor', '440000', ['auditor']);

const tlp = (t: 'clear' | 'green' | 'amber' | 'amber+strict' | 'red'): CollectionAudience => ({ kind: 'tlp', tlp: t });
const gd: CollectionAudience = { kind: 'province', province_code: '440000' };
const own: CollectionAudience = { kind: 'organization', org_id: ORG };
const others: CollectionAudience = { kind: 'organization', org_id: OTHER };

describe('TAXII collection permissions', () => {
  // [who, audience, can read, can write]
  const table: [string, Principal, CollectionAudience, boolean, boolean][] = [
    ['ministry', ministry, tlp('clear'), true, true],
    ['ministry', ministry, tlp('red'), true, true],
    ['ministry', ministry, gd, true, true],
    ['ministry', ministry, others, true, true],
    ['institution', institution, tlp('amber'), true, true],
    ['institution', institution, tlp('clear'), true, false],
    ['institution', institution, gd, true, false],
    ['Guangdong administration', guangdong, gd, true, true],
    ['Beijing administration', beijing, gd, false, false],
    ['Guangdong administration', guangdong, tlp('amber'), false, true],
    ['unit', unit, tlp('clear'), true, false],
    ['unit', unit, tlp('green'), true, true],
    ['unit', unit, tlp('amber'), false, true],
    ['unit', unit, tlp('amber+strict'), false, true],
    ['unit', unit, tlp('red'), false, true],
    ['unit', unit, gd, false, false],
    ['unit', unit, own, true, true],
    ['unit', unit, others, false, false],
    ['unit with the auditor role only', auditorUnit, tlp('green'), true, false],
    ['unit with the auditor role only', auditorUnit, own, true, false],
  ];
  for (const [who, p, a, read, write] of table) {
    test(`${who} ${read ? 'reads' : 'does not read'} and ${write ? 'writes' : 'does not write'} ${JSON.stringify(a)}`, () => {
      assert.equal(canReadCollection(p, a), read);
      assert.equal(canWriteCollection(p, a), write);
    });
  }
});

describe('TAXII collection catalog', () => {
  test('ids are fixed UUIDs, unique, and resolve back', () => {
    const all = [...tlpCollections(), ...provinceCollections()];
    assert.equal(new Set(all.map((c) => c.id)).size, all.length);
    assert.equal(all.length, 5 + 31);
    for (const c of all) {
      assert.match(c.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(staticCollection(c.id), c);
    }
    assert.equal(tlpCollections()[0].alias, 'public');
    assert.equal(organizationCollection({ id: ORG, name: 'n', short_code: 'cnc' }).id, ORG);
  });

  test('a unit is listed the TLP collections and its own; a provincial administration its province too', () => {
    const mine = organizationCollection({ id: ORG, name: 'n' });
    assert.deepEqual(listedCollections(unit, mine).map((c) => c.alias ?? c.id), ['public', 'tlp-green', 'tlp-amber', 'tlp-amber-strict', 'tlp-red', ORG]);
    const gdList = listedCollections(guangdong, null).map((c) => c.alias);
    assert.ok(gdList.includes('province-440000'));
    assert.ok(!gdList.includes('province-110000'));
    assert.equal(listedCollections(ministry, null).filter((c) => c.audience.kind === 'province').length, 31);
  });
});
