import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createIpEnricher, operatorFromIsp, type IpEnricher, type OperatorCode } from './ip-enrichment.js';
import { provinceCodeFromName, PROVINCE_CODES } from '../orgs/provinces.js';

/** The package's own reader, as the reference the fast path must agree with. */
interface ReferenceSearch {
  search(ip: string): { country: string; province: string; city: string; isp: string } | null;
}
const require = createRequire(import.meta.url);
const IP2Region = (require('ip2region') as { default: new (opts?: { disableIpv6?: boolean }) => ReferenceSearch }).default;

describe('operatorFromIsp', () => {
  const cases: [string, OperatorCode | null][] = [
    ['电信', 'china_telecom'],
    ['中国电信', 'china_telecom'],
    ['中国电信CTNET网络', 'china_telecom'],
    ['联通', 'china_unicom'],
    ['中国联通169骨干网', 'china_unicom'],
    ['网通', 'china_unicom'],
    ['移动', 'china_mobile'],
    ['中国移动城域网', 'china_mobile'],
    ['铁通', 'china_mobile'],
    ['广电', 'china_broadnet'],
    ['广东广电', 'china_broadnet'],
    ['中国广播电视网络有限公司', 'china_broadnet'],
    ['河南有线电视', 'china_broadnet'],
    ['教育网', 'cernet'],
    ['教育网(CERNET2)清华大学公共DNS服务器', 'cernet'],
    ['CERNET', 'cernet'],
    ['赛尔网络有限公司', 'cernet'],
    // Foreign carriers whose Chinese names also end in 电信 or 移动 are not Chinese operators.
    ['韩国电信', 'other'],
    ['中华电信', 'other'],
    ['橘子电信', 'other'],
    ['墨西哥美洲移动', 'other'],
    ['云林县教育网', 'other'],
    ['香港有线', 'other'],
    ['阿里云', 'other'],
    ['鹏博士', 'other'],
    ['科技网', 'other'],
    ['Level3', 'other'],
    ['', null],
    ['0', null],
    ['未知', null],
    ['内网IP', null],
  ];
  for (const [isp, expected] of cases) {
    test(`maps ${JSON.stringify(isp)} to ${expected}`, () => {
      assert.equal(operatorFromIsp(isp), expected);
    });
  }
});

describe('createIpEnricher', () => {
  let enricher: IpEnricher;
  let reference: ReferenceSearch;
  before(() => {
    enricher = createIpEnricher();
    reference = new IP2Region();
  });

  const known: [string, { province_code: string | null; operator: OperatorCode | null; country: string | null }][] = [
    ['202.96.128.86', { country: '中国', province_code: '440000', operator: 'china_telecom' }],
    ['211.136.192.6', { country: '中国', province_code: '440000', operator: 'china_mobile' }],
    ['221.5.88.88', { country: '中国', province_code: '440000', operator: 'china_unicom' }],
    ['58.16.0.1', { country: '中国', province_code: '520000', operator: 'china_unicom' }],
    ['114.114.114.114', { country: '中国', province_code: '320000', operator: null }],
    ['120.24.78.68', { country: '中国', province_code: '440000', operator: 'other' }],
    ['8.8.8.8', { country: '美国', province_code: null, operator: 'other' }],
    ['240e:47d:c20:1627:30a3:ba0d:a5e6:ec19', { country: '中国', province_code: '440000', operator: 'china_telecom' }],
    ['2409:8000::1', { country: '中国', province_code: '110000', operator: 'china_mobile' }],
    ['2001:da8::1', { country: '中国', province_code: '110000', operator: 'cernet' }],
    // Addresses that embed an IPv4 address are looked up as that address.
    ['::ffff:ca60:8056', { country: '中国', province_code: '440000', operator: 'china_telecom' }],
    ['2002:ca60:8056::1', { country: '中国', province_code: '440000', operator: 'china_telecom' }],
  ];
  for (const [ip, expected] of known) {
    test(`enriches ${ip}`, () => {
      const r = enricher.enrich(ip);
      assert.deepEqual({ country: r.country, province_code: r.province_code, operator: r.operator }, expected);
    });
  }

  test('gives the city and the raw ISP text', () => {
    assert.deepEqual(enricher.enrich('202.96.128.86'), {
      country: '中国',
      province_code: '440000',
      operator: 'china_telecom',
      city: '广州市',
      isp_raw: '电信',
    });
  });

  test('gives all-null fields for private, malformed and non-canonical input', () => {
    const empty = { country: null, province_code: null, operator: null, city: null, isp_raw: null };
    for (const ip of ['10.0.0.1', '192.168.1.1', '', 'example.com', '1.2.3', '010.1.1.1', '2400:cb00:::1', '1.2.3.4/24']) {
      assert.deepEqual(enricher.enrich(ip), empty, ip);
    }
  });

  test('leaves Hong Kong, Macau and Taiwan without a province code', () => {
    // Chunghwa Telecom (Taiwan) and a Hong Kong range, as the database places them.
    for (const ip of ['168.95.1.1', '202.45.84.58']) {
      const ref = reference.search(ip);
      assert.ok(ref !== null && ['台湾省', '香港'].includes(ref.province), `${ip}: ${JSON.stringify(ref)}`);
      assert.equal(enricher.enrich(ip).province_code, null, ip);
    }
  });

  test('returns frozen results', () => {
    const r = enricher.enrich('202.96.128.86');
    assert.ok(Object.isFrozen(r));
  });

  test('agrees with the package reader on the IPsum fixture', () => {
    const ips = readFileSync(new URL('../../../test/fixtures/ipsum.sample.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.length > 0 && !line.startsWith('#'))
      .map((line) => line.split('\t')[0]);
    assert.ok(ips.length > 300);
    for (const ip of ips) assertAgrees(ip);
  });

  test('agrees with the package reader across the whole IPv4 space (every 32,768th address)', () => {
    const provinces = new Set<string>();
    for (let n = 0; n < 2 ** 32; n += 32768) {
      const ip = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
      const r = assertAgrees(ip);
      if (r.province_code !== null) provinces.add(r.province_code);
    }
    // The sample is coarse, but every province holds enough address space to be hit.
    assert.deepEqual([...provinces].sort(), [...PROVINCE_CODES]);
  });

  function assertAgrees(ip: string) {
    const ours = enricher.enrich(ip);
    const ref = reference.search(ip);
    const blank = (s: string | undefined) => (s === undefined || s === '' || s === '内网IP' ? null : s);
    const intranet = ref === null || ref.isp === '内网IP' || ref.city === '内网IP';
    const expected = {
      country: intranet ? null : blank(ref.country),
      city: intranet ? null : blank(ref.city),
      isp_raw: intranet ? null : blank(ref.isp),
      province_code:
        intranet || ref.country !== '中国' ? null : (provinceCodeFromName(ref.province) ?? null),
    };
    assert.deepEqual(
      { country: ours.country, city: ours.city, isp_raw: ours.isp_raw, province_code: ours.province_code },
      expected,
      ip,
    );
    // Every mainland province name the database uses must resolve to a code.
    if (!intranet && ref.country === '中国' && ref.province !== '' && !['香港', '澳门', '台湾省', '台湾'].includes(ref.province)) {
      assert.notEqual(ours.province_code, null, `${ip}: ${ref.province}`);
    }
    return ours;
  }

  test('with IPv6 disabled, IPv6 gives all-null fields but embedded IPv4 still resolves', () => {
    const v4only = createIpEnricher({ disableIpv6: true });
    assert.equal(v4only.enrich('240e:47d:c20:1627:30a3:ba0d:a5e6:ec19').country, null);
    assert.equal(v4only.enrich('::ffff:202.96.128.86').province_code, '440000');
  });

  test('refuses a file that is not an ip2region database', () => {
    const self = new URL(import.meta.url).pathname;
    assert.throws(() => createIpEnricher({ ipv4DbPath: self, disableIpv6: true }), /not an ip2region/);
  });
});
