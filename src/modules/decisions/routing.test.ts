import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  buildRoutingDirectory,
  routeTarget,
  routeTargets,
  operatorForPhone,
  normalizeOperator,
  normalizeDomainName,
  MOBILE_SEGMENTS,
  type RoutingOrganization,
  type RoutingTarget,
} from './routing.js';

const GD = '440000';
const BJ = '110000';

const orgs: RoutingOrganization[] = [
  { org_id: 'ct-hq', kind: 'telecom_operator', province_code: null, operator: 'china_telecom' },
  { org_id: 'ct-gd', kind: 'telecom_operator', province_code: GD, operator: 'china_telecom', scopes: { cidr: ['14.0.0.0/8'] } },
  { org_id: 'cu-bj', kind: 'telecom_operator', province_code: BJ, operator: '联通' },
  { org_id: 'cm-hq', kind: 'telecom_operator', province_code: null, operator: 'china_mobile' },
  { org_id: 'cm-gd', kind: 'telecom_operator', province_code: GD, operator: 'china_mobile' },
  {
    org_id: 'cloud',
    kind: 'internet_company',
    province_code: 'GD',
    scopes: { cidr: ['14.17.0.0/16', '2001:db8:100::/48'], asn: [64500], domain_suffix: ['oss.cloud.example', '.mail.example'] },
  },
  { org_id: 'vps', kind: 'internet_company', province_code: GD, scopes: { cidr: ['14.17.32.0/24'] } },
  { org_id: 'cnnic', kind: 'domain_registrar', province_code: BJ, scopes: { domain_suffix: ['cn', '中国'] } },
  { org_id: 'reg-b', kind: 'domain_registrar', province_code: BJ, scopes: { domain_suffix: ['shop.cn'] } },
  { org_id: 'v6isp', kind: 'telecom_operator', province_code: GD, operator: 'china_unicom', scopes: { cidr: ['2001:db8::/32'] } },
  // Not units: never receive notices even if they declare scopes.
  { org_id: 'miit', kind: 'regulator_national', province_code: null, scopes: { cidr: ['0.0.0.0/0'] } },
  { org_id: 'bad', kind: 'internet_company', province_code: GD, scopes: { cidr: ['14.17.0.0', 'nonsense/8'], asn: [-1], domain_suffix: ['bad domain'] } },
];
const dir = buildRoutingDirectory(orgs);

describe('routeTarget', () => {
  const table: [string, RoutingTarget, { measure?: 'block_ip' | 'block_domain' | 'remove_malware' | 'stop_phone_number' | 'notify_superior_authority'; province_code?: string }, string | null, string][] = [
    ['most specific declared CIDR wins', { type: 'ipv4', value: '14.17.32.9' }, {}, 'vps', 'declared_scope'],
    ['a wider declared CIDR when the narrow one does not contain it', { type: 'ipv4', value: '14.17.33.9' }, {}, 'cloud', 'declared_scope'],
    ['operator branch declared CIDR', { type: 'ipv4', value: '14.200.1.1' }, {}, 'ct-gd', 'declared_scope'],
    ['a CIDR target is routed to a block containing it all', { type: 'cidr', value: '14.17.32.0/25' }, {}, 'vps', 'declared_scope'],
    ['a CIDR wider than the narrow block goes to the wider one', { type: 'cidr', value: '14.17.0.0/20' }, {}, 'cloud', 'declared_scope'],
    ['IPv4-mapped IPv6 is routed as IPv4', { type: 'ipv6', value: '::ffff:14.17.32.9' }, {}, 'vps', 'declared_scope'],
    ['IPv6 most specific', { type: 'ipv6', value: '2001:db8:100::1' }, {}, 'cloud', 'declared_scope'],
    ['IPv6 wider block', { type: 'ipv6', value: '2001:db8:200::1' }, {}, 'v6isp', 'declared_scope'],
    ['ASN from enrichment', { type: 'ipv4', value: '198.51.100.7', enrichment: { asn: 64500 } }, {}, 'cloud', 'declared_scope'],
    ['operator and province from enrichment → provincial branch', { type: 'ipv4', value: '198.51.100.7', enrichment: { operator: '移动', province_code: GD } }, {}, 'cm-gd', 'operator_branch'],
    ['no branch in the province → headquarters', { type: 'ipv4', value: '198.51.100.7', enrichment: { operator: '电信', province_code: BJ } }, {}, 'ct-hq', 'operator_branch'],
    ['no branch and no headquarters → unrouted', { type: 'ipv4', value: '198.51.100.7', enrichment: { operator: 'china_unicom', province_code: '310000' } }, {}, null, 'unrouted'],
    ['a regulator declaring 0.0.0.0/0 is not a unit', { type: 'ipv4', value: '203.0.113.1' }, {}, null, 'unrouted'],
    ['legacy IPv4 forms are refused', { type: 'ipv4', value: '14.17.32' }, {}, null, 'unrouted'],
    ['domain to the longest registrar suffix', { type: 'domain', value: 'evil.shop.cn' }, {}, 'reg-b', 'registrar_suffix'],
    ['domain to the registry suffix', { type: 'domain', value: 'Evil.Example.CN.' }, {}, 'cnnic', 'registrar_suffix'],
    ['IDN suffix declared in Unicode matches punycode', { type: 'domain', value: 'xn--fiqs8s' }, {}, 'cnnic', 'registrar_suffix'],
    ['hosting suffix', { type: 'domain', value: 'bucket.oss.cloud.example' }, {}, 'cloud', 'hosting_scope'],
    ['unknown domain → resolved IP', { type: 'domain', value: 'evil.example', enrichment: { ip: '14.17.32.1' } }, {}, 'vps', 'declared_scope'],
    ['unknown domain, nothing else → unrouted', { type: 'domain', value: 'evil.example' }, {}, null, 'unrouted'],
    ['URL by host domain', { type: 'url', value: 'https://bucket.oss.cloud.example/x.apk' }, {}, 'cloud', 'hosting_scope'],
    ['URL by host IPv4', { type: 'url', value: 'http://14.17.32.5:8080/a' }, {}, 'vps', 'declared_scope'],
    ['URL by host IPv6', { type: 'url', value: 'http://[2001:db8:100::5]/a' }, {}, 'cloud', 'declared_scope'],
    ['invalid URL', { type: 'url', value: 'not a url' }, {}, null, 'unrouted'],
    ['e-mail by its domain', { type: 'email', value: 'phisher@x.mail.example' }, {}, 'cloud', 'hosting_scope'],
    ['malformed e-mail', { type: 'email', value: 'mail.example' }, {}, null, 'unrouted'],
    ['phone to the operator branch in the case province', { type: 'phone', value: '+8613800138000' }, { province_code: GD }, 'cm-gd', 'operator_branch'],
    ['phone without province → headquarters', { type: 'phone', value: '+8613800138000' }, {}, 'cm-hq', 'operator_branch'],
    ['phone with a 170x MVNO segment', { type: 'phone', value: '+8617001234567' }, { province_code: GD }, 'ct-gd', 'operator_branch'],
    ['unicom phone, province without branch and no HQ', { type: 'phone', value: '+8613012345678' }, { province_code: '310000' }, null, 'unrouted'],
    ['unicom phone with a branch in the province', { type: 'phone', value: '13012345678' }, { province_code: BJ }, 'cu-bj', 'operator_branch'],
    ['fixed line → unrouted', { type: 'phone', value: '+861012345678' }, {}, null, 'unrouted'],
    ['broadband account by issuing operator', { type: 'broadband_account', value: 'ad123', enrichment: { operator: 'china_mobile', province_code: GD } }, {}, 'cm-gd', 'operator_branch'],
    ['broadband account without operator', { type: 'broadband_account', value: 'ad123' }, {}, null, 'unrouted'],
    ['file hash → unrouted', { type: 'file_hash', value: 'a'.repeat(64) }, {}, null, 'unrouted'],
    ['file hash tied to an address', { type: 'file_hash', value: 'a'.repeat(64), enrichment: { ip: '14.17.9.9' } }, {}, 'cloud', 'declared_scope'],
    // measure-aware routing
    ['block_domain on a hosting suffix is fine (internet companies can)', { type: 'domain', value: 'a.oss.cloud.example' }, { measure: 'block_domain' }, 'cloud', 'hosting_scope'],
    ['remove_malware skips the registrar suffix and uses the resolved IP', { type: 'domain', value: 'evil.shop.cn', enrichment: { ip: '14.17.32.1' } }, { measure: 'remove_malware' }, 'vps', 'declared_scope'],
    ['stop_phone_number only to operators', { type: 'phone', value: '+8613800138000' }, { measure: 'stop_phone_number', province_code: GD }, 'cm-gd', 'operator_branch'],
    ['notify_superior_authority is never routed to a unit', { type: 'ipv4', value: '14.17.32.9' }, { measure: 'notify_superior_authority' }, null, 'unrouted'],
  ];
  for (const [name, target, options, org, reason] of table) {
    test(name, () => {
      const r = routeTarget(target, dir, options);
      assert.equal(r.org_id, org, r.detail ?? '');
      assert.equal(r.reason, reason);
      if (r.org_id === null) assert.ok(r.detail.length > 0);
    });
  }

  test('headquarters fallback says so in the detail', () => {
    const r = routeTarget({ type: 'ipv4', value: '198.51.100.7', enrichment: { operator: '电信', province_code: BJ } }, dir);
    assert.match(r.detail ?? '', /headquarters \(no branch registered in 110000\)/);
  });
});

describe('buildRoutingDirectory', () => {
  test('reports unparseable scopes instead of using them', () => {
    assert.deepEqual(
      dir.warnings.map((w) => [w.org_id, w.scope]),
      [
        ['bad', '14.17.0.0'],
        ['bad', 'nonsense/8'],
        ['bad', '-1'],
        ['bad', 'bad domain'],
      ],
    );
  });
  test('reports the same scope declared by two units; the lowest org_id wins', () => {
    const d = buildRoutingDirectory([
      { org_id: 'b', kind: 'internet_company', province_code: null, scopes: { cidr: ['192.0.2.0/24'] } },
      { org_id: 'a', kind: 'internet_company', province_code: null, scopes: { cidr: ['192.0.2.0/24'] } },
    ]);
    assert.deepEqual(d.conflicts, [{ scope: '192.0.2.0/24', org_ids: ['a', 'b'] }]);
    assert.equal(routeTarget({ type: 'ipv4', value: '192.0.2.1' }, d).org_id, 'a');
  });
  test('a non-aligned declared CIDR is normalized to its network', () => {
    const d = buildRoutingDirectory([{ org_id: 'x', kind: 'internet_company', province_code: null, scopes: { cidr: ['192.0.2.77/24'] } }]);
    assert.equal(routeTarget({ type: 'ipv4', value: '192.0.2.1' }, d).org_id, 'x');
  });
});

describe('routeTargets', () => {
  test('groups by unit and keeps the unrouted for manual assignment', () => {
    const r = routeTargets(
      [
        { type: 'ipv4', value: '14.17.32.1' },
        { type: 'ipv4', value: '14.17.1.1' },
        { type: 'ipv4', value: '14.17.32.2' },
        { type: 'file_hash', value: 'ab' },
      ],
      dir,
      { measure: 'block_ip' },
    );
    assert.deepEqual(
      r.groups.map((g) => [g.org_id, g.targets.map((t) => t.target.value)]),
      [
        ['cloud', ['14.17.1.1']],
        ['vps', ['14.17.32.1', '14.17.32.2']],
      ],
    );
    assert.deepEqual(r.unrouted.map((u) => u.target.value), ['ab']);
  });

  // How fast is for the benchmarks, never a timed test: this checks that a large directory routes right.
  test('routes 10,000 targets over 5,000 declared blocks, each to its owner', () => {
    const many: RoutingOrganization[] = [];
    for (let i = 0; i < 5000; i++)
      many.push({ org_id: `u${i}`, kind: 'internet_company', province_code: null, scopes: { cidr: [`10.${i >> 8}.${i & 255}.0/24`, `2001:db8:${i.toString(16)}::/48`], domain_suffix: [`site${i}.example`] } });
    const d = buildRoutingDirectory(many);
    const targets: RoutingTarget[] = [];
    for (let i = 0; i < 10000; i++) {
      const k = i % 5000;
      targets.push(
        i % 3 === 0
          ? { type: 'ipv4', value: `10.${k >> 8}.${k & 255}.${i & 255}` }
          : i % 3 === 1
            ? { type: 'ipv6', value: `2001:db8:${k.toString(16)}::${i.toString(16)}` }
            : { type: 'url', value: `https://a.b.site${k}.example/p?q=${i}` },
      );
    }
    const r = routeTargets(targets, d);
    assert.equal(r.unrouted.length, 0);
    assert.equal(r.groups.length, 5000);
    const g = r.groups.find((x) => x.org_id === 'u7')!;
    assert.ok(g.targets.every(({ target: t }) => t.value.includes(`site7.example`) || t.value.startsWith("10.0.7.") || t.value.startsWith("2001:db8:7::")));
  });
});

describe('routing properties', () => {
  test('an IP inside exactly one declared /24 goes to its owner, whatever other wider blocks exist', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b, c) => {
        const d = buildRoutingDirectory([
          { org_id: 'wide', kind: 'telecom_operator', province_code: null, scopes: { cidr: ['0.0.0.0/0'] } },
          { org_id: 'mid', kind: 'internet_company', province_code: null, scopes: { cidr: [`${a}.0.0.0/8`] } },
          { org_id: 'narrow', kind: 'internet_company', province_code: null, scopes: { cidr: [`${a}.${b}.0.0/24`] } },
        ]);
        assert.equal(routeTarget({ type: 'ipv4', value: `${a}.${b}.${c}.1` }, d).org_id, c === 0 ? 'narrow' : 'mid');
        assert.equal(routeTarget({ type: 'ipv4', value: `${(a + 1) % 256}.${b}.0.9` }, d).org_id, 'wide');
      }),
    );
  });
});

describe('CIDR containment agrees with ipaddr.js', () => {
  const isMapped = (a: string) => {
    const x = ipaddr.parse(a);
    return x.kind() === 'ipv6' && (x as ipaddr.IPv6).isIPv4MappedAddress();
  };
  test('IPv6: routed to a declared block exactly when ipaddr.js says the block contains the address', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.boolean(), (addr, base, len, near) => {
        fc.pre(!isMapped(addr) && !isMapped(base));
        // half the time, put the address inside the block to exercise matches, not only misses
        const target = near ? ipaddr.IPv6.parse(base).toNormalizedString() : addr;
        const d = buildRoutingDirectory([{ org_id: 'x', kind: 'internet_company', province_code: null, scopes: { cidr: [`${base}/${len}`] } }]);
        const expected = ipaddr.parse(target).match(ipaddr.parse(base), len);
        assert.equal(routeTarget({ type: 'ipv6', value: target }, d).org_id, expected ? 'x' : null);
      }),
      { numRuns: 500 },
    );
  });
  test('IPv4: the same', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (addr, base, len) => {
        const d = buildRoutingDirectory([{ org_id: 'x', kind: 'internet_company', province_code: null, scopes: { cidr: [`${base}/${len}`] } }]);
        const expected = ipaddr.parse(addr).match(ipaddr.parse(base), len);
        assert.equal(routeTarget({ type: 'ipv4', value: addr }, d).org_id, expected ? 'x' : null);
      }),
      { numRuns: 500 },
    );
  });
  test('IPv6 written in different forms routes the same', () => {
    const d = buildRoutingDirectory([{ org_id: 'x', kind: 'internet_company', province_code: null, scopes: { cidr: ['2001:db8:0:0:0:0:0:0/32'] } }]);
    for (const v of ['2001:db8::1', '2001:0DB8:0000::0001', '2001:db8:0:0:0:0:0:1', '2001:db8::0.0.0.1', '2001:db8::1%eth0']) assert.equal(routeTarget({ type: 'ipv6', value: v }, d).org_id, 'x', v);
    for (const v of ['2001:db8:::1', '2001:db8::1::2', '2001:db8:1:2:3:4:5:6:7', 'gggg::1']) assert.equal(routeTarget({ type: 'ipv6', value: v }, d).org_id, null, v);
  });
});

describe('phone number segments and operator names', () => {
  test('no segment is claimed by two operators', () => {
    const all = Object.values(MOBILE_SEGMENTS).flat();
    assert.equal(new Set(all).size, all.length);
  });
  const table: [string, string | null][] = [
    ['+8613912345678', 'china_mobile'],
    ['+8619812345678', 'china_mobile'],
    ['+8613112345678', 'china_unicom'],
    ['+8619612345678', 'china_unicom'],
    ['+8618912345678', 'china_telecom'],
    ['+8619912345678', 'china_telecom'],
    ['+8619212345678', 'china_broadnet'],
    ['008617051234567', 'china_mobile'],
    ['+8617041234567', 'china_unicom'],
    ['+8617021234567', 'china_telecom'],
    ['138 0013 8000', 'china_mobile'],
    ['+8612012345678', null],
    ['+85291234567', null],
    ['+8613800', null],
  ];
  for (const [phone, op] of table) test(`${phone} → ${op}`, () => assert.equal(operatorForPhone(phone), op));

  test('operator names from ip2region', () => {
    assert.deepEqual(['电信', '联通', '移动', '铁通', '广电', 'China Mobile', 'china_unicom', '阿里云', '', null].map(normalizeOperator), [
      'china_telecom',
      'china_unicom',
      'china_mobile',
      'china_mobile',
      'china_broadnet',
      'china_mobile',
      'china_unicom',
      null,
      null,
      null,
    ]);
  });
  test('domain names normalize', () => {
    assert.deepEqual(['*.Example.COM.', '.cn', '中国', 'a b', ''].map(normalizeDomainName), ['example.com', 'cn', 'xn--fiqs8s', null, null]);
  });
});
