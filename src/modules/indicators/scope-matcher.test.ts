import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ipv4ToInt, ScopeMatcher } from './scope-matcher.js';

describe('ScopeMatcher', () => {
  const m = new ScopeMatcher([
    { org_id: 'big', kind: 'cidr', value: '203.0.0.0/16' },
    { org_id: 'small', kind: 'cidr', value: '203.0.113.0/24' },
    { org_id: 'v6', kind: 'cidr', value: '2400:da00::/32' },
    { org_id: 'v6small', kind: 'cidr', value: '2400:da00:1::/48' },
    { org_id: 'reg', kind: 'domain_suffix', value: 'cn' },
    { org_id: 'host', kind: 'domain_suffix', value: 'example.com.cn' },
    { org_id: 'x', kind: 'asn', value: 'AS4134' },
  ]);

  test('the most specific declared CIDR wins', () => {
    assert.equal(m.matchIpv4('203.0.113.7'), 'small');
    assert.equal(m.matchIpv4('203.0.5.1'), 'big');
    assert.equal(m.matchIpv4('198.51.100.1'), null);
  });

  test('IPv6 blocks match most specific first', () => {
    assert.equal(m.matchIpv6('2400:da00:1::5'), 'v6small');
    assert.equal(m.matchIpv6('2400:da00:2::5'), 'v6');
    assert.equal(m.matchIpv6('2001:4860::1'), null);
  });

  test('the longest declared domain suffix wins, on label boundaries only', () => {
    assert.equal(m.matchDomain('a.b.example.com.cn'), 'host');
    assert.equal(m.matchDomain('other.com.cn'), 'reg');
    assert.equal(m.matchDomain('example.com'), null);
    assert.equal(m.matchDomain('notcn'), null);
  });

  test('ipv4ToInt is the unsigned 32-bit value', () => {
    assert.equal(ipv4ToInt('0.0.0.0'), 0);
    assert.equal(ipv4ToInt('255.255.255.255'), 4294967295);
    assert.equal(ipv4ToInt('1.2.3.4'), 16909060);
  });

  test('an empty matcher says so and matches nothing', () => {
    const e = new ScopeMatcher([]);
    assert.equal(e.isEmpty, true);
    assert.equal(e.matchIpv4('1.2.3.4'), null);
    assert.equal(e.matchDomain('a.cn'), null);
  });
});
