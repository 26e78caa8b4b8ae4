import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  REFUSAL_CODES,
  detectObservableType,
  normalizeAny,
  normalizeObservable,
  type NormalizeResult,
  type RefusalCode,
} from './normalize.js';
import { OBSERVABLE_TYPES, type ObservableType } from './observable-types.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);

function fixtureLines(name: string): string[] {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

type Case = readonly [input: string, expected: string | RefusalCode];

/** `expected` is either the canonical value or, when it is a refusal code, the expected code. */
function checkCases(type: ObservableType, cases: readonly Case[]): void {
  const codes: readonly string[] = REFUSAL_CODES;
  for (const [input, expected] of cases) {
    const refusal = codes.includes(expected);
    test(`${refusal ? 'refuses' : 'normalizes'} ${JSON.stringify(input)} ${refusal ? 'with' : 'to'} ${expected}`, () => {
      const r = normalizeObservable(type, input);
      if (refusal) {
        assert.equal(r.ok, false, `expected a refusal, got ${JSON.stringify(r)}`);
        if (!r.ok) {
          assert.equal(r.code, expected, r.message);
          assert.ok(r.message.length > 0);
        }
      } else {
        assert.deepEqual(r.ok ? { type: r.type, value: r.value } : r, { type, value: expected });
      }
    });
  }
}

describe('ipv4', () => {
  checkCases('ipv4', [
    ['1.2.3.4', '1.2.3.4'],
    ['  8.8.8.8\t', '8.8.8.8'],
    ['223.5.5.5', '223.5.5.5'],
    ['1.0.0.0', '1.0.0.0'],
    ['', 'empty'],
    ['   ', 'empty'],
    ['1.2.3', 'invalid_format'],
    ['1.2.3.4.5', 'invalid_format'],
    ['256.1.1.1', 'invalid_format'],
    ['1.2.3.-4', 'invalid_format'],
    ['1..3.4', 'invalid_format'],
    ['1.2.3.4.', 'invalid_format'],
    ['0x7f.0.0.1', 'invalid_format'],
    ['010.1.1.1', 'invalid_format'], // octal to inet_aton, decimal to others: refused as ambiguous
    ['1.2.3.04', 'invalid_format'],
    ['1.2.3.4:80', 'invalid_format'],
    ['1.2.3.4 5', 'invalid_format'],
    ['x'.repeat(65), 'too_long'],
    ['0.0.0.0', 'not_public'],
    ['0.1.2.3', 'not_public'],
    ['10.1.2.3', 'not_public'],
    ['100.64.0.1', 'not_public'],
    ['100.127.255.255', 'not_public'],
    ['127.0.0.1', 'not_public'],
    ['169.254.1.1', 'not_public'],
    ['172.16.0.1', 'not_public'],
    ['172.31.255.255', 'not_public'],
    ['192.0.0.8', 'not_public'],
    ['192.0.2.1', 'not_public'],
    ['192.168.1.1', 'not_public'],
    ['198.18.0.1', 'not_public'],
    ['198.51.100.7', 'not_public'],
    ['203.0.113.9', 'not_public'],
    ['224.0.0.1', 'not_public'],
    ['239.255.255.250', 'not_public'],
    ['240.0.0.1', 'not_public'],
    ['255.255.255.255', 'not_public'],
    ['::1', 'wrong_type'],
    ['1.2.3.0/24', 'wrong_type'],
  ]);

  test('the neighbours of private blocks are public', () => {
    for (const ip of ['9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '223.255.255.255']) {
      assert.deepEqual(normalizeObservable('ipv4', ip), { ok: true, type: 'ipv4', value: ip });
    }
  });

  test('names the kind of special address in the message', () => {
    const r = normalizeObservable('ipv4', '100.64.1.1');
    assert.ok(!r.ok && /carrier-grade NAT/.test(r.message), JSON.stringify(r));
    const r2 = normalizeObservable('ipv4', '010.1.1.1');
    assert.ok(!r2.ok && /leading zero/.test(r2.message), JSON.stringify(r2));
  });

  test('says what an IPv6 value given as ipv4 is', () => {
    assert.deepEqual(normalizeObservable('ipv4', '2400:cb00::1'), {
      ok: false,
      code: 'wrong_type',
      message: '2400:cb00::1 is an IPv6 address',
      actual_type: 'ipv6',
    });
  });
});

describe('ipv6', () => {
  checkCases('ipv6', [
    ['2400:CB00:2048:0001:0000:0000:0000:0001', '2400:cb00:2048:1::1'],
    ['2001:0da8:0000:0000:0000:0000:0000:0001', '2001:da8::1'],
    ['[2409:8000::1]', '2409:8000::1'],
    ['240e:47d:c20:1627:30a3:ba0d:a5e6:ec19', '240e:47d:c20:1627:30a3:ba0d:a5e6:ec19'],
    ['2001:db9:0:1:0:0:1:1', '2001:db9:0:1::1:1'], // RFC 5952 §4.2.3: the longest run of zeros
    ['2001:db9:0:0:1:0:0:1', '2001:db9::1:0:0:1'], // ties: the first run
    ['2002:0808:0808::1', '2002:808:808::1'], // 6to4 of a public address
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:0:4136:e378:8000:63bf:3fff:fdd2'], // Teredo
    ['::', 'not_public'],
    ['::1', 'not_public'],
    ['fe80::1', 'not_public'],
    ['fe80::1%eth0', 'not_public'],
    ['fd00::1', 'not_public'],
    ['fc12:3456::1', 'not_public'],
    ['ff02::1', 'not_public'],
    ['2001:db8::1', 'not_public'],
    ['2001:DB8:ffff::1', 'not_public'],
    ['3fff::1', 'not_public'],
    ['2001:2::1', 'not_public'],
    ['100::1', 'not_public'],
    ['fec0::1', 'not_public'],
    ['::ffff:10.0.0.1', 'not_public'],
    ['::ffff:192.168.1.1', 'not_public'],
    ['64:ff9b::10.0.0.1', 'not_public'],
    ['2002:c0a8:0101::1', 'not_public'], // 6to4 of 192.168.1.1
    ['4000::1', 'not_public'], // outside 2000::/3
    ['::ffff:8.8.8.8', 'wrong_type'],
    ['2400:cb00::1%eth0', 'invalid_format'],
    ['2400:cb00:::1', 'invalid_format'],
    ['2400:cb00::1::2', 'invalid_format'],
    ['2400:cg00::1', 'invalid_format'],
    ['1.2.3.4', 'wrong_type'],
    ['', 'empty'],
  ]);

  test('an IPv4-mapped public address points at its IPv4 form', () => {
    assert.deepEqual(normalizeObservable('ipv6', '::ffff:8.8.8.8'), {
      ok: false,
      code: 'wrong_type',
      message: '::ffff:8.8.8.8 is the IPv4 address 8.8.8.8 written as IPv6; submit it as ipv4',
      actual_type: 'ipv4',
      actual_value: '8.8.8.8',
    });
  });

  test('documentation space is named as such', () => {
    const r = normalizeObservable('ipv6', '2001:db8::1');
    assert.ok(!r.ok && r.message.includes('2001:db8::/32'), JSON.stringify(r));
  });
});

describe('cidr', () => {
  checkCases('cidr', [
    ['1.2.3.0/24', '1.2.3.0/24'],
    [' 58.16.0.0/13 ', '58.16.0.0/13'],
    ['1.0.0.0/8', '1.0.0.0/8'],
    ['1.2.3.5/31', 'host_bits_set'],
    ['1.2.3.4/31', '1.2.3.4/31'],
    ['1.2.3.4/24', 'host_bits_set'],
    ['1.2.3.4/32', 'wrong_type'],
    ['2400:CB00::/32', '2400:cb00::/32'],
    ['2409:8000:0000::/20', '2409:8000::/20'],
    ['2400:cb00::/16', 'host_bits_set'],
    ['2400::/16', '2400::/16'],
    ['2400:cb00::1/128', 'wrong_type'],
    ['2400:cb00::1/64', 'host_bits_set'],
    ['0.0.0.0/0', 'too_broad'],
    ['2.0.0.0/7', 'too_broad'],
    ['2000::/3', 'too_broad'],
    ['2400::/15', 'too_broad'],
    ['10.0.0.0/8', 'not_public'],
    ['10.1.0.0/16', 'not_public'],
    ['100.0.0.0/8', 'not_public'], // contains 100.64.0.0/10
    ['192.0.0.0/8', 'not_public'], // contains 192.168.0.0/16 and more
    ['172.0.0.0/8', 'not_public'],
    ['224.0.0.0/8', 'not_public'],
    ['fd00::/16', 'not_public'],
    ['fe80::/64', 'not_public'],
    ['2001:db8::/32', 'not_public'],
    ['2001:db8:1::/48', 'not_public'],
    ['2001::/16', 'not_public'], // contains documentation and IETF space
    ['1.2.3.0/33', 'invalid_format'],
    ['1.2.3.0/024', 'invalid_format'],
    ['1.2.3.0/', 'invalid_format'],
    ['1.2.3.0/a', 'invalid_format'],
    ['01.2.3.0/24', 'invalid_format'],
    ['2400::/129', 'invalid_format'],
    ['1.2.3.4', 'wrong_type'],
    ['2400:cb00::1', 'wrong_type'],
    ['example.com/24', 'invalid_format'],
  ]);

  test('a block with host bits set is refused, and the message names the network', () => {
    const r = normalizeObservable('cidr', '1.2.3.4/24');
    assert.ok(!r.ok && r.message.includes('1.2.3.0/24'), JSON.stringify(r));
  });

  test('a /32 points at the single IPv4 address', () => {
    const r = normalizeObservable('cidr', '1.2.3.4/32');
    assert.ok(!r.ok && r.actual_type === 'ipv4' && r.actual_value === '1.2.3.4', JSON.stringify(r));
  });
});

describe('domain', () => {
  checkCases('domain', [
    ['example.com', 'example.com'],
    ['Example.COM.', 'example.com'],
    ['  WWW.Baidu.com  ', 'www.baidu.com'],
    ['foo.com.cn', 'foo.com.cn'],
    ['a.b.c.gov.cn', 'a.b.c.gov.cn'],
    ['例子.中国', 'xn--fsqu00a.xn--fiqs8s'],
    ['例子。中国', 'xn--fsqu00a.xn--fiqs8s'], // ideographic full stop, mapped by UTS #46
    ['ＥＸＡＭＰＬＥ.com', 'example.com'], // fullwidth letters
    ['bücher.de', 'xn--bcher-kva.de'],
    ['xn--on3b15m2lco2u.com', 'xn--on3b15m2lco2u.com'],
    ['XN--YH4BX88A.COM', 'xn--yh4bx88a.com'],
    ['038d159d-b3bc-44dd-a0c4-bec68c0c4123.random.bb2023.duckdns.org', '038d159d-b3bc-44dd-a0c4-bec68c0c4123.random.bb2023.duckdns.org'],
    ['44.246.143.230.nip.io', '44.246.143.230.nip.io'],
    ['_dmarc.example.com', '_dmarc.example.com'],
    ['x.onion', 'x.onion'],
    ['com.cn', 'public_suffix'],
    ['com', 'public_suffix'],
    ['co.uk', 'public_suffix'],
    ['xn--fiqs8s', 'public_suffix'],
    ['localhost', 'unknown_tld'],
    ['printer.local', 'unknown_tld'],
    ['evil.zz', 'unknown_tld'],
    ['host.test', 'unknown_tld'],
    ['ex_ample.com', 'invalid_format'],
    ['xn--abc.com', 'invalid_format'],
    ['a..b.com', 'invalid_format'],
    ['.example.com', 'invalid_format'],
    ['example.com..', 'invalid_format'],
    ['-a.example.com', 'invalid_format'],
    ['a-.example.com', 'invalid_format'],
    [`${'a'.repeat(64)}.com`, 'invalid_format'],
    [`${'a.'.repeat(130)}com`, 'too_long'],
    ['a'.repeat(1025), 'too_long'],
    ['exa mple.com', 'invalid_format'],
    ['exa%6dple.com', 'invalid_format'],
    ['example.com:8080', 'invalid_format'],
    ['1.2.3', 'invalid_format'],
    ['example.123', 'invalid_format'],
    ['1.2.3.4', 'wrong_type'],
    ['10.0.0.1', 'wrong_type'],
    ['2400:cb00::1', 'wrong_type'],
    ['http://example.com/', 'wrong_type'],
    ['admin@example.com', 'wrong_type'],
    ['1.2.3.0/24', 'wrong_type'],
    ['.', 'invalid_format'],
    ['', 'empty'],
  ]);

  test('an IPv4 address given as a domain says what it is', () => {
    const r = normalizeObservable('domain', '1.2.3.4');
    assert.ok(!r.ok && r.actual_type === 'ipv4' && /IPv4/.test(r.message), JSON.stringify(r));
  });
});

describe('url', () => {
  checkCases('url', [
    ['http://example.com', 'http://example.com/'],
    ['HTTP://Example.COM:80/Path?Q=1#frag', 'http://example.com/Path?Q=1'],
    ['https://example.com:443/', 'https://example.com/'],
    ['https://example.com:8443/a', 'https://example.com:8443/a'],
    ['ftp://files.example.com:21/pub/x.exe', 'ftp://files.example.com/pub/x.exe'],
    ['http://example.com./a', 'http://example.com/a'],
    ['http://例子.中国/路径', 'http://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84'],
    ['http://example.com/a%20b/%c3%b3.zip', 'http://example.com/a%20b/%c3%b3.zip'], // escapes kept, not decoded
    ['http://example.com/a b', 'http://example.com/a%20b'],
    ['http://example.com/a/../b/./c', 'http://example.com/b/c'],
    ['http://user:pw@example.com/', 'http://user:pw@example.com/'],
    ['http://8.8.8.8/x.sh', 'http://8.8.8.8/x.sh'],
    ['http://[2400:CB00::1]:8080/', 'http://[2400:cb00::1]:8080/'],
    ['http://134744072/x', 'http://8.8.8.8/x'], // WHATWG reads the integer form
    ['http://0x7f.1/', 'not_public'],
    ['http://127.0.0.1/', 'not_public'],
    ['http://10.0.0.1:8080/a', 'not_public'],
    ['http://[::1]/', 'not_public'],
    ['http://[fd00::1]/', 'not_public'],
    ['http://[::ffff:10.0.0.1]/', 'not_public'],
    ['http://localhost/', 'unknown_tld'],
    ['http://intranet.corp/', 'unknown_tld'],
    ['http://com.cn/', 'public_suffix'],
    ['javascript:alert(1)', 'unsupported_scheme'],
    ['file:///etc/passwd', 'unsupported_scheme'],
    ['data:text/html,hi', 'unsupported_scheme'],
    ['ws://example.com/', 'unsupported_scheme'],
    ['example.com/path', 'invalid_format'],
    ['//example.com/path', 'invalid_format'],
    ['http://', 'invalid_format'],
    ['http://exa mple.com/', 'invalid_format'],
    ['http://ex_ample.com/', 'invalid_format'],
    ['mailto:a@example.com', 'wrong_type'],
    [`http://example.com/${'a'.repeat(8200)}`, 'too_long'],
    ['', 'empty'],
  ]);
});

describe('email', () => {
  checkCases('email', [
    ['admin@example.com', 'admin@example.com'],
    ['Foo.Bar@EXAMPLE.COM', 'Foo.Bar@example.com'], // the local part keeps its case
    ['mailto:x+tag@qq.com', 'x+tag@qq.com'],
    ['MAILTO:x@qq.com', 'x@qq.com'],
    ['张三@例子.中国', '张三@xn--fsqu00a.xn--fiqs8s'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['a@b@example.com', 'invalid_format'],
    ['a..b@example.com', 'invalid_format'],
    ['.a@example.com', 'invalid_format'],
    ['a.@example.com', 'invalid_format'],
    ['"a b"@example.com', 'invalid_format'],
    ['a b@example.com', 'invalid_format'],
    ['@example.com', 'invalid_format'],
    ['admin@', 'invalid_format'],
    ['admin', 'invalid_format'],
    ['admin@localhost', 'unknown_tld'],
    ['admin@com.cn', 'public_suffix'],
    ['admin@[1.2.3.4]', 'invalid_format'],
    ['admin@1.2.3.4', 'invalid_format'],
    [`${'a'.repeat(65)}@example.com`, 'too_long'],
    [`${'l'.repeat(30)}@${'b'.repeat(55)}.${'c'.repeat(55)}.${'d'.repeat(55)}.${'e'.repeat(55)}.com`, 'too_long'], // 258 > 254
    [`a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(10)}.com`, 'too_long'], // domain > 253
  ]);
});

describe('phone', () => {
  checkCases('phone', [
    ['13800138000', '+8613800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['+86-138-0013-8000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    ['(010) 6552 9988', '+861065529988'],
    ['+8613800138000', '+8613800138000'],
    ['+44 20 7946 0000', '+442079460000'],
    ['12345', 'invalid_format'],
    ['1380013800', 'invalid_format'],
    ['+86 138 0013 8000 ext 12', 'invalid_format'],
    ['call 13800138000', 'invalid_format'],
    ['138OO138OOO', 'invalid_format'],
    ['+', 'invalid_format'],
    ['', 'empty'],
  ]);
});

describe('broadband_account', () => {
  checkCases('broadband_account', [
    ['ad07551234567', 'ad07551234567'],
    ['  GZ12345678@163.gd  ', 'GZ12345678@163.gd'], // case is kept
    ['a', 'a'],
    ['x'.repeat(128), 'x'.repeat(128)],
    ['x'.repeat(129), 'too_long'],
    ['ad 0755', 'invalid_format'],
    ['ad\t0755', 'invalid_format'],
    ['账号123', 'invalid_format'],
    ['ad\u200b0755', 'invalid_format'],
    ['', 'empty'],
  ]);
});

describe('file_hash', () => {
  const md5 = '5d41402abc4b2a76b9719d911017c592';
  const sha1 = 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d';
  const sha256 = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
  checkCases('file_hash', [
    [md5, md5],
    [md5.toUpperCase(), md5],
    [sha1, sha1],
    [sha256, sha256],
    [`MD5:${md5}`, md5],
    [`sha1:${sha1}`, sha1],
    [`sha-256:${sha256.toUpperCase()}`, sha256],
    [`sha256:${md5}`, 'invalid_format'],
    [`crc32:${md5}`, 'invalid_format'],
    [md5.slice(1), 'invalid_format'],
    [`${md5}0`, 'invalid_format'],
    [`${md5.slice(1)}g`, 'invalid_format'],
    ['0'.repeat(64), 'invalid_format'],
    ['d41d8cd98f00b204e9800998ecf8427e', 'known_benign'],
    ['DA39A3EE5E6B4B0D3255BFEF95601890AFD80709', 'known_benign'],
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'known_benign'],
    ['', 'empty'],
  ]);

  test('the algorithm follows from the length', () => {
    const got = [md5, sha1, sha256].map((h) => {
      const r = normalizeObservable('file_hash', h);
      return r.ok ? r.hash_algorithm : r.code;
    });
    assert.deepEqual(got, ['md5', 'sha1', 'sha256']);
  });
});

describe('vulnerability', () => {
  checkCases('vulnerability', [
    ['CVE-2021-44228', 'CVE-2021-44228'],
    ['cve-2014-0160', 'CVE-2014-0160'],
    ['CVE–2017–0144', 'CVE-2017-0144'], // en dashes from a document
    ['CVE-2024-1234567', 'CVE-2024-1234567'],
    ['CNVD-2021-95914', 'CNVD-2021-95914'],
    ['cnnvd-202112-799', 'CNNVD-202112-799'],
    ['CNNVD-201705-1049', 'CNNVD-201705-1049'],
    ['CVE-2021-4422', 'CVE-2021-4422'],
    ['CVE-2021-04422', 'invalid_format'],
    ['CVE-2021-123', 'invalid_format'],
    ['CVE-21-44228', 'invalid_format'],
    ['CVE-1899-1234', 'invalid_format'],
    ['CVE 2021 44228', 'invalid_format'],
    ['CNVD-2021-1', 'invalid_format'],
    ['CNNVD-202113-799', 'invalid_format'],
    ['CNNVD-2021-799', 'invalid_format'],
    ['MS17-010', 'invalid_format'],
    ['', 'empty'],
  ]);

  test('names the scheme', () => {
    const got = ['CVE-2021-44228', 'CNVD-2021-95914', 'CNNVD-202112-799'].map((v) => {
      const r = normalizeObservable('vulnerability', v);
      return r.ok ? r.vuln_scheme : r.code;
    });
    assert.deepEqual(got, ['cve', 'cnvd', 'cnnvd']);
  });
});

describe('normalizeObservable', () => {
  test('refuses a value that is not a string without throwing', () => {
    const r = normalizeObservable('ipv4', 42 as unknown as string);
    assert.equal(r.ok, false);
  });

  test('refuses an unknown type without throwing', () => {
    const r = normalizeObservable('mac_address' as ObservableType, 'aa:bb');
    assert.deepEqual(r.ok ? r : r.code, 'unknown_type');
  });
});

describe('detectObservableType', () => {
  const cases: [string, ObservableType | null][] = [
    ['1.2.3.4', 'ipv4'],
    ['010.1.1.1', 'ipv4'],
    ['1.2.3', 'ipv4'],
    ['example.com', 'domain'],
    ['EXAMPLE.COM', 'domain'],
    ['xn--yh4bx88a.com', 'domain'],
    ['例子.中国', 'domain'],
    ['44.246.143.230.nip.io', 'domain'],
    ['http://example.com/a', 'url'],
    ['HTTPS://example.com', 'url'],
    ['ftp://example.com/x', 'url'],
    ['example.com/path', 'url'],
    ['admin@example.com', 'email'],
    ['mailto:admin@example.com', 'email'],
    ['2400:cb00::1', 'ipv6'],
    ['[2400:cb00::1]', 'ipv6'],
    ['::ffff:8.8.8.8', 'ipv6'],
    ['1.2.3.0/24', 'cidr'],
    ['2400:cb00::/32', 'cidr'],
    ['5d41402abc4b2a76b9719d911017c592', 'file_hash'],
    ['AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D', 'file_hash'],
    ['sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 'file_hash'],
    ['CVE-2021-44228', 'vulnerability'],
    ['cnvd-2021-95914', 'vulnerability'],
    ['CNNVD-202112-799', 'vulnerability'],
    ['13800138000', 'phone'],
    ['+86 138 0013 8000', 'phone'],
    ['', null],
    ['   ', null],
    ['hello', null],
    ['ad07551234567', null],
    ['example.com:8080', null],
  ];
  for (const [input, expected] of cases) {
    test(`detects ${JSON.stringify(input)} as ${expected}`, () => {
      assert.equal(detectObservableType(input), expected);
    });
  }
});

describe('normalizeAny', () => {
  const cases: [string, NormalizeResult][] = [
    ['1.2.3.4', { ok: true, type: 'ipv4', value: '1.2.3.4' }],
    ['Example.COM', { ok: true, type: 'domain', value: 'example.com' }],
    ['::ffff:8.8.8.8', { ok: true, type: 'ipv4', value: '8.8.8.8' }],
    ['1.2.3.4/32', { ok: true, type: 'ipv4', value: '1.2.3.4' }],
    ['2400:cb00::1/128', { ok: true, type: 'ipv6', value: '2400:cb00::1' }],
    ['cve-2021-44228', { ok: true, type: 'vulnerability', value: 'CVE-2021-44228', vuln_scheme: 'cve' }],
  ];
  for (const [input, expected] of cases) {
    test(`normalizes ${JSON.stringify(input)} as ${expected.ok ? expected.type : expected.code}`, () => {
      assert.deepEqual(normalizeAny(input), expected);
    });
  }

  test('refuses what it cannot classify, with a reason', () => {
    const r = normalizeAny('hello');
    assert.ok(!r.ok && r.code === 'unknown_type' && r.message.includes('hello'), JSON.stringify(r));
    const e = normalizeAny('  ');
    assert.ok(!e.ok && e.code === 'empty');
  });

  test('passes refusals of the detected type through', () => {
    const r = normalizeAny('10.0.0.1');
    assert.ok(!r.ok && r.code === 'not_public', JSON.stringify(r));
    const u = normalizeAny('example.com/x.exe');
    assert.ok(!u.ok && u.code === 'invalid_format' && /scheme/.test(u.message), JSON.stringify(u));
  });
});

describe('real lists', () => {
  const domains = fixtureLines('urlhaus-domains.sample.txt');
  const urls = fixtureLines('urlhaus-urls.sample.txt');
  const ips = fixtureLines('ipsum.sample.txt').map((line) => line.split('\t')[0]);

  function tally(values: string[], f: (v: string) => NormalizeResult): Record<string, number> {
    const out: Record<string, number> = {};
    for (const v of values) {
      const r = f(v);
      const key = r.ok ? `ok:${r.type}` : r.code;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  test('the fixtures hold what the README says', () => {
    assert.equal(domains.length, 343);
    assert.equal(urls.length, 282);
    assert.equal(ips.length, 302);
    assert.equal(domains.filter((d) => d.startsWith('xn--')).length, 2);
    assert.equal(urls.filter((u) => u.includes('%')).length, 86);
  });

  test('the URLhaus host list splits into IPv4 addresses and domain names, none refused', () => {
    assert.deepEqual(tally(domains, normalizeAny), { 'ok:ipv4': 116, 'ok:domain': 227 });
  });

  test('every URLhaus host is normalized or refused with a code when typed as a domain', () => {
    const t = tally(domains, (d) => normalizeObservable('domain', d));
    assert.deepEqual(t, { wrong_type: 116, 'ok:domain': 227 });
  });

  test('every URLhaus URL normalizes, and percent-escapes are kept as they are', () => {
    assert.deepEqual(tally(urls, (u) => normalizeObservable('url', u)), { 'ok:url': 282 });
    for (const u of urls) {
      const r = normalizeObservable('url', u);
      // The list is already in WHATWG form (lower-case host, scheme, no fragment): nothing changes.
      assert.equal(r.ok && r.value, u);
    }
  });

  test('every IPsum address is a public IPv4 address', () => {
    assert.deepEqual(tally(ips, (ip) => normalizeObservable('ipv4', ip)), { 'ok:ipv4': 302 });
  });

  test('no line of any fixture, as any type, makes the normalizer throw; every refusal has a known code', () => {
    const codes: readonly string[] = REFUSAL_CODES;
    for (const line of [...domains, ...urls, ...ips, ...fixtureLines('ipsum.sample.txt')]) {
      for (const type of OBSERVABLE_TYPES) {
        const r = normalizeObservable(type, line);
        if (!r.ok) assert.ok(codes.includes(r.code), `${type} ${line}: ${r.code}`);
        else assert.equal(r.type, type);
      }
    }
  });
});

/** The network block of an address, written with upper-case hex where there is any. */
function networkOf(address: string, prefix: number): string {
  const net = ipaddr.parse(address).kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`);
  return `${net.toString().toUpperCase()}/${prefix}`;
}

describe('idempotence (property)', () => {
  function assertIdempotent(type: ObservableType, raw: string): void {
    const first = normalizeObservable(type, raw);
    if (!first.ok) return;
    assert.deepEqual(normalizeObservable(type, first.value), first, `${type}: ${JSON.stringify(raw)}`);
  }

  const generators: [ObservableType, fc.Arbitrary<string>][] = [
    ['ipv4', fc.oneof(fc.ipV4(), fc.ipV4Extended())],
    ['ipv6', fc.ipV6()],
    ['cidr', fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 33 })).map(([a, p]) => `${a}/${p}`)],
    ['cidr', fc.tuple(fc.ipV4(), fc.integer({ min: 8, max: 31 })).map(([a, p]) => networkOf(a, p))],
    ['cidr', fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 129 })).map(([a, p]) => `${a}/${p}`)],
    ['cidr', fc.tuple(fc.ipV6(), fc.integer({ min: 16, max: 127 })).map(([a, p]) => networkOf(a, p))],
    ['domain', fc.mixedCase(fc.domain())],
    ['url', fc.webUrl({ withQueryParameters: true, withFragments: true })],
    ['email', fc.emailAddress()],
    ['phone', fc.stringMatching(/^\+?[0-9 ()-]{5,20}$/)],
    ['phone', fc.stringMatching(/^(\+86 ?)?1[3589]\d-?\d{4}-?\d{4}$/)],
    ['broadband_account', fc.string({ maxLength: 140 })],
    ['file_hash', fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 32, maxLength: 64 })],
    ['vulnerability', fc.stringMatching(/^(cve|CVE|CNVD|cnnvd)-(19|20)\d\d(0[1-9]|1[0-2])?-\d{3,7}$/)],
  ];

  for (const [type, arb] of generators) {
    test(`normalize(normalize(x)) == normalize(x) for generated ${type} values`, () => {
      fc.assert(fc.property(arb, (raw) => assertIdempotent(type, raw)), { numRuns: 500 });
    });
  }

  test('no type throws on arbitrary text, and what is accepted is stable', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OBSERVABLE_TYPES), fc.string({ unit: 'binary', maxLength: 80 }), (type, raw) => {
        assertIdempotent(type, raw);
        const any = normalizeAny(raw);
        if (any.ok) assert.deepEqual(normalizeObservable(any.type, any.value), any);
      }),
      { numRuns: 2000 },
    );
  });

  test('the generators do produce accepted values (the property is not vacuous)', () => {
    const acceptedByType = new Map<ObservableType, number>();
    for (const [type, arb] of generators) {
      const accepted = fc.sample(arb, { numRuns: 200, seed: 1 }).filter((v) => normalizeObservable(type, v).ok);
      acceptedByType.set(type, (acceptedByType.get(type) ?? 0) + accepted.length);
    }
    for (const type of OBSERVABLE_TYPES) assert.ok((acceptedByType.get(type) ?? 0) > 0, `${type}: no generated value was accepted`);
  });
});
