import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  buildPattern,
  extractObservables,
  parsePattern,
  quotePatternString,
  type ObservationNode,
} from './stix-pattern.js';
import { stixSchemasDir } from './stix-schema-validator.js';
import { fixtureDataPath } from '../../../test/fixtures/paths.js';
import type { Observable } from './stix.types.js';

function ast(source: string): ObservationNode {
  const result = parsePattern(source);
  if (!result.ok) assert.fail(`expected '${source}' to parse, got ${result.error.message} at ${result.error.position}`);
  return result.ast;
}

describe('parsePattern accepts valid STIX 2.1 patterns', () => {
  const valid = [
    "[ipv4-addr:value = '198.51.100.1/32']",
    "[ ipv4-addr:value = '10.0.0.0' ]",
    "[ipv4-addr:value == '198.51.100.1']",
    "[file:size != 4112]",
    "[file:size <> 4112]",
    '[file:size > 256]',
    '[file:size < 1024]',
    '[file:size <= 25145]',
    '[file:size >= 33312]',
    '[file:size >= -1]',
    '[x-custom:ratio < 1.5]',
    '[x-custom:ratio > -.5]',
    '[x-custom:ratio > +3]',
    "[process:name IN ('proccy', 'proximus', 'badproc')]",
    '[process:pid IN (1, 2.5, 3)]',
    '[process:pid IN ()]',
    "[directory:path LIKE 'C:\\\\Windows\\\\%\\\\foo']",
    "[directory:path MATCHES '^C:\\\\\\\\Windows\\\\w+$']",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv6-addr:value ISSUPERSET '2001:db8::/32']",
    "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    '[EXISTS windows-registry-key:values]',
    "[file:name NOT = 'foo.dll']",
    "[file:name NOT LIKE 'foo%']",
    "[file:size NOT IN (1, 2)]",
    "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
    "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[network-traffic:protocols[0] = 'tcp']",
    "[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    "[email-message:'from_ref'.value = 'a@example.com']",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    "[artifact:payload_bin = b'ABI=']",
    "[artifact:payload_bin = h'7468697320697320612074657374']",
    "[artifact:payload_bin = h'']",
    "[file:created = t'2014-01-13T07:03:17Z']",
    "[file:created = t'2016-02-29T23:59:60.123456Z']",
    '[x-custom:flag = true]',
    '[x-custom:flag != false]',
    "[file:name = 'it\\'s']",
    "[file:name = '']",
    "[file:name = '北京']",
    "[user-account:value = 'Peter' OR user-account:value = 'Mary']",
    "[(type-a:property_j = 'W' AND type-a:property_k = 'X') OR (type-b:property_m = 'Y' AND type-b:property_n = 'Z')]",
    "[type-a:property_j = 'W' AND type-a:property_k = 'X' OR type-a:property_l = 'Z']",
    "[(a-b:x = 1 OR c-d:y = 2) AND a-b:z = 3]",
    "[ipv4-addr:value = '198.51.100.5'] AND [ ipv4-addr:value = '198.51.100.10']",
    "([ipv4-addr:value = '198.51.100.5'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.10'])",
    "([ipv4-addr:value = '198.51.100.5' ] AND [ipv4-addr:value = '198.51.100.10']) WITHIN 300 SECONDS",
    "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] REPEATS 5 TIMES",
    "([ipv4-addr:value = '198.51.100.1/32'] FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 600 SECONDS",
    "[a-x:b = 'b'] FOLLOWEDBY [c-x:d = 'd'] REPEATS 5 TIMES",
    "([a-x:b = 'b'] AND [c-x:d = 'd'] REPEATS 5 TIMES) WITHIN 5.5 SECONDS",
    "([a-x:b = 'b'] AND [c-x:d = 'd']) REPEATS 5 TIMES WITHIN 5 SECONDS START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'",
    "(([a-x:b = 'b']) OR ([c-x:d = 'd']))",
    "[file:name = 'a']\n  OR\t[file:name = 'b']",
  ];
  for (const pattern of valid) {
    test(`accepts ${pattern}`, () => {
      const result = parsePattern(pattern);
      assert.equal(result.ok, true, result.ok ? '' : `${result.error.message} at ${result.error.position}`);
    });
  }
});

describe('parsePattern refuses invalid patterns with a position and a reason', () => {
  const invalid: Array<[string, number, RegExp]> = [
    ['', 0, /empty pattern/],
    ['   ', 0, /empty pattern/],
    ["ipv4-addr:value = '1.2.3.4'", 0, /expected '\[' or '\('/],
    ["[ipv4-addr:value = '1.2.3.4'", 28, /expected '\]'/],
    ["[ipv4-addr:value = '1.2.3.4']]", 29, /unexpected ']' after a complete pattern/],
    ['[]', 1, /empty observation expression/],
    ["[ipv4-addr:value '1.2.3.4']", 17, /expected a comparison operator/],
    ["[ipv4-addr = '1.2.3.4']", 11, /expected ':' after the object type/],
    ["[ipv4-addr:value = '1.2.3.4]", 19, /unterminated quoted literal/],
    ["[file:name = 'a\\b']", 15, /invalid escape/],
    ["[file:hashes.SHA-256 = 'aa']", 13, /contains '-' and must be quoted/],
    ['[file:size > true]', 13, /orderable constant/],
    ["[file:name LIKE 5]", 16, /needs a string constant/],
    ["[file:name MATCHES b'ABI=']", 19, /needs a string constant/],
    ["[artifact:payload_bin = h'abc']", 24, /invalid hex constant/],
    ["[artifact:payload_bin = h'zz']", 24, /invalid hex constant/],
    ["[artifact:payload_bin = b'AB=C']", 24, /invalid binary constant/],
    ["[file:created = t'2020-13-01T00:00:00Z']", 16, /invalid timestamp constant/],
    ["[file:created = t'2019-02-29T00:00:00Z']", 16, /invalid timestamp constant/],
    ["[file:created = t'2020-01-01 00:00:00Z']", 16, /invalid timestamp constant/],
    ["[file:created = t'2020-01-01T00:00:00+08:00']", 16, /invalid timestamp constant/],
    ["[file:name = 'a'] REPEATS 0 TIMES", 26, /positive integer/],
    ["[file:name = 'a'] REPEATS 1.5 TIMES", 26, /expected a positive integer/],
    ["[file:name = 'a'] WITHIN 5 MINUTES", 27, /expected SECONDS/],
    ["[file:name = 'a'] WITHIN 0 SECONDS", 25, /positive number of seconds/],
    ["[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS", 35, /more than one WITHIN qualifier/],
    ["[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", 24, /timestamp constant/],
    ["[file:name = 'a'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", 18, /STOP must be later than START/],
    ["[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']", 29, /AND must apply to the same object type/],
    ["[(a-b:x = 1 OR c-d:y = 2) AND e-f:z = 3]", 26, /AND must apply to the same object type/],
    ["[file:name = 'a'] [file:name = 'b']", 18, /unexpected '\['/],
    ["[file:name = 'a'] and [file:name = 'b']", 18, /unexpected 'and'/],
    ["[file:name = 'a' and file:size = 1]", 17, /expected '\]'/],
    ["[process:name IN ('a', 1)]", 23, /same type/],
    ["[process:name IN 'a']", 17, /expected '\(' starting the set/],
    ["[ipv4-addr:value ISSUBSET 'not-an-ip']", 26, /IPv4\/IPv6 address or CIDR/],
    ["[ipv4-addr:value ISSUBSET '10.0.0.0/33']", 26, /IPv4\/IPv6 address or CIDR/],
    ['[file:size = 01]', 13, /invalid number/],
    ['[file:size = 1x]', 13, /invalid number/],
    ["[file:name ! = 'a']", 11, /unexpected '!'/],
    ["[file:name = 'a'] FOLLOWEDBY", 28, /expected '\[' or '\('/],
    ["[network-traffic:protocols[x] = 'tcp']", 27, /expected a list index/],
    ["([file:name = 'a']", 18, /expected '\)'/],
    ["[file:name = 'a' OR]", 19, /expected an object path/],
    ["[file:name = 'a'] # comment", 18, /unexpected character '#'/],
  ];
  for (const [pattern, position, message] of invalid) {
    test(`refuses ${JSON.stringify(pattern)} at ${position}`, () => {
      const result = parsePattern(pattern);
      assert.equal(result.ok, false, 'expected a syntax error');
      if (!result.ok) {
        assert.match(result.error.message, message);
        assert.equal(result.error.position, position, `position for ${result.error.message}`);
      }
    });
  }
});

describe('parsePattern builds the tree with §9.5.3 precedence', () => {
  test('observation AND binds tighter than OR, OR tighter than FOLLOWEDBY', () => {
    const tree = ast("[a-x:b = 1] FOLLOWEDBY [a-x:c = 2] OR [a-x:d = 3] AND [a-x:e = 4]");
    assert.equal(tree.kind, 'followedby');
    if (tree.kind !== 'followedby') return;
    assert.equal(tree.left.kind, 'observation');
    assert.equal(tree.right.kind, 'or');
    if (tree.right.kind === 'or') assert.equal(tree.right.right.kind, 'and');
  });

  test('a qualifier applies to the observation expression right before it', () => {
    const tree = ast("[a-x:b = 'b'] FOLLOWEDBY [c-x:d = 'd'] REPEATS 5 TIMES");
    assert.equal(tree.kind, 'followedby');
    if (tree.kind !== 'followedby') return;
    assert.deepEqual(tree.right.kind === 'qualified' ? tree.right.qualifier : null, { kind: 'repeats', times: 5, position: 39 });
  });

  test('comparison AND binds tighter than OR, and paths and constants are decoded', () => {
    const tree = ast("[file:hashes.'SHA-256' = 'it\\'s' OR file:name = 'a' AND file:size > 10]");
    assert.equal(tree.kind, 'observation');
    if (tree.kind !== 'observation' || tree.comparison.kind !== 'or') return assert.fail('expected an OR');
    const left = tree.comparison.left;
    assert.equal(left.kind, 'test');
    if (left.kind === 'test') {
      assert.deepEqual(left.path.steps, [
        { kind: 'property', name: 'hashes' },
        { kind: 'property', name: 'SHA-256' },
      ]);
      assert.deepEqual({ type: left.value.type, value: (left.value as { value: unknown }).value }, { type: 'string', value: "it's" });
    }
    assert.equal(tree.comparison.right.kind, 'and');
  });

  test('list indexes and numbers are decoded', () => {
    const tree = ast('[x-y:list[*].items[-1] > -2.5]');
    if (tree.kind !== 'observation' || tree.comparison.kind !== 'test') return assert.fail('expected a test');
    assert.deepEqual(tree.comparison.path.steps, [
      { kind: 'property', name: 'list' },
      { kind: 'index', index: '*' },
      { kind: 'property', name: 'items' },
      { kind: 'index', index: -1 },
    ]);
    assert.deepEqual(tree.comparison.value, { type: 'float', value: -2.5, position: 25 });
  });
});

describe('buildPattern quotes and escapes', () => {
  test('quotePatternString escapes backslash and apostrophe only', () => {
    assert.equal(quotePatternString("a\\b'c\"d"), "'a\\\\b\\'c\"d'");
  });

  const cases: Array<[Observable, string]> = [
    [{ type: 'ipv4', value: '1.2.3.4' }, "[ipv4-addr:value = '1.2.3.4']"],
    [{ type: 'ipv6', value: '2001:db8::1' }, "[ipv6-addr:value = '2001:db8::1']"],
    [{ type: 'cidr', value: '10.0.0.0/8' }, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"],
    [{ type: 'cidr', value: '2001:db8::/32' }, "[ipv6-addr:value ISSUBSET '2001:db8::/32']"],
    [{ type: 'domain', value: 'xn--fiqs8s.example' }, "[domain-name:value = 'xn--fiqs8s.example']"],
    [{ type: 'url', value: "http://a.example/it's\\x" }, "[url:value = 'http://a.example/it\\'s\\\\x']"],
    [{ type: 'email', value: 'a@example.com' }, "[email-addr:value = 'a@example.com']"],
    [{ type: 'phone', value: '+8613800138000' }, "[x-threatshare-phone-number:value = '+8613800138000']"],
    [{ type: 'broadband_account', value: 'gd-02012345678' }, "[x-threatshare-broadband-account:value = 'gd-02012345678']"],
    [{ type: 'file_hash', value: 'd41d8cd98f00b204e9800998ecf8427e', hash_algorithm: 'md5' }, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"],
    [{ type: 'file_hash', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' }, "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"],
    [
      { type: 'file_hash', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', hash_algorithm: 'sha256' },
      "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    ],
  ];
  for (const [observable, expected] of cases) {
    test(`builds ${expected}`, () => {
      assert.equal(buildPattern(observable), expected);
      assert.deepEqual(extractObservables(expected), {
        observables: [observable.type === 'file_hash' ? { ...observable, hash_algorithm: observable.hash_algorithm ?? 'sha1' } : observable],
        kept_raw: false,
      });
    });
  }

  test('refuses a vulnerability and a hash of unknown algorithm', () => {
    assert.throws(() => buildPattern({ type: 'vulnerability', value: 'CVE-2021-44228' }), /vulnerability object/);
    assert.throws(() => buildPattern({ type: 'file_hash', value: 'abc' }), /hash algorithm/);
  });
});

describe('build → parse → the same observable, for every type (property)', () => {
  const anyText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
  const observable: fc.Arbitrary<Observable> = fc.oneof(
    fc.ipV4().map((value) => ({ type: 'ipv4' as const, value })),
    fc.ipV6().map((value) => ({ type: 'ipv6' as const, value })),
    fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, n]) => ({ type: 'cidr' as const, value: `${ip}/${n}` })),
    fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, n]) => ({ type: 'cidr' as const, value: `${ip}/${n}` })),
    fc.domain().map((value) => ({ type: 'domain' as const, value })),
    fc.oneof(fc.webUrl(), anyText).map((value) => ({ type: 'url' as const, value })),
    fc.oneof(fc.emailAddress(), anyText).map((value) => ({ type: 'email' as const, value })),
    anyText.map((value) => ({ type: 'phone' as const, value })),
    anyText.map((value) => ({ type: 'broadband_account' as const, value })),
    fc
      .tuple(fc.constantFrom('md5' as const, 'sha1' as const, 'sha256' as const), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 64 }))
      .map(([hash_algorithm, value]) => ({ type: 'file_hash' as const, value, hash_algorithm })),
  );

  test('extractObservables(buildPattern(o)) is [o]', () => {
    fc.assert(
      fc.property(observable, (o) => {
        const result = extractObservables(buildPattern(o));
        assert.equal(result.kept_raw, false);
        assert.deepEqual(result.observables, [o]);
      }),
      { numRuns: 2000 },
    );
  });

  test('strings with quotes, backslashes and any characters survive quoting', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (value) => {
        const parsed = parsePattern(`[file:name = ${quotePatternString(value)}]`);
        assert.ok(parsed.ok);
        if (parsed.ok && parsed.ast.kind === 'observation' && parsed.ast.comparison.kind === 'test') {
          assert.equal((parsed.ast.comparison.value as { value: unknown }).value, value);
        } else assert.fail('unexpected tree');
      }),
    );
  });
});

describe('extractObservables keeps anything richer than a list of values raw', () => {
  test('an OR of equalities over supported paths across observation expressions', () => {
    assert.deepEqual(
      extractObservables("[domain-name:value = 'a.example' OR ipv4-addr:value = '1.2.3.4'] OR [file:hashes.md5 = '00dbb9e1c09dbdafb360f3163ba5a3de' OR domain-name:value = 'a.example']"),
      {
        observables: [
          { type: 'domain', value: 'a.example' },
          { type: 'ipv4', value: '1.2.3.4' },
          { type: 'file_hash', value: '00dbb9e1c09dbdafb360f3163ba5a3de', hash_algorithm: 'md5' },
        ],
        kept_raw: false,
      },
    );
  });

  test('an ipv4-addr value that is a block is a cidr', () => {
    assert.deepEqual(extractObservables("[ipv4-addr:value = '112.64.0.0/15']").observables, [{ type: 'cidr', value: '112.64.0.0/15' }]);
  });

  const raw = [
    "[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '5.6.7.8']",
    "[ipv4-addr:value != '1.2.3.4']",
    "[ipv4-addr:value NOT = '1.2.3.4']",
    "[domain-name:value LIKE '%.example']",
    "[ipv4-addr:value = '1.2.3.4'] AND [ipv4-addr:value = '5.6.7.8']",
    "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '5.6.7.8']",
    "[ipv4-addr:value = '1.2.3.4'] WITHIN 10 SECONDS",
    "[ipv4-addr:value = '1.2.3.4' OR file:name = 'x.exe']",
    "[file:hashes.'SHA-512' = 'aa']",
    "[domain-name:resolves_to_refs[*].value = '1.2.3.4']",
    '[x-custom:value = 5]',
    '[EXISTS domain-name:value]',
    "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b']",
  ];
  for (const pattern of raw) {
    test(`keeps ${pattern} raw`, () => {
      assert.deepEqual(extractObservables(pattern), { observables: [], kept_raw: true });
    });
  }

  test('an unparseable pattern is kept raw with its error', () => {
    const result = extractObservables('[ipv4-addr:value = ]');
    assert.equal(result.kept_raw, true);
    assert.equal(result.error?.position, 19);
  });
});

describe('the patterns of the OASIS examples and ATT&CK for ICS', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) files.push(full);
    }
  };
  walk(path.join(stixSchemasDir(), 'examples'));
  files.push(fixtureDataPath('ics-attack.json'));

  const patterns = new Set<string>();
  for (const file of files) {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { objects?: Array<Record<string, unknown>> };
    for (const object of json.objects ?? []) {
      if (object.type === 'indicator' && object.pattern_type === 'stix' && typeof object.pattern === 'string') patterns.add(object.pattern);
    }
  }

  test('there are example patterns to test', () => {
    assert.ok(patterns.size >= 40, `found ${patterns.size}`);
  });

  test('every example pattern parses', () => {
    const failures = [...patterns].flatMap((p) => {
      const result = parsePattern(p);
      return result.ok ? [] : [`${p}: ${result.error.message} at ${result.error.position}`];
    });
    assert.deepEqual(failures, []);
  });

  test('the list-of-values ones yield their observables, the rest are kept raw', () => {
    assert.deepEqual(
      extractObservables("[domain-name:value = 'microsofta.byinter.net' OR domain-name:value = 'microsoftb.byinter.net' OR ipv4-addr:value = '113.10.246.30']").observables,
      [
        { type: 'domain', value: 'microsofta.byinter.net' },
        { type: 'domain', value: 'microsoftb.byinter.net' },
        { type: 'ipv4', value: '113.10.246.30' },
      ],
    );
    const kinds = { extracted: 0, raw: 0 };
    for (const p of patterns) kinds[extractObservables(p).kept_raw ? 'raw' : 'extracted'] += 1;
    // The email MATCHES patterns, file:name and x509 ones are raw; the domain/IP/hash ones are not.
    assert.ok(kinds.raw >= 5 && kinds.raw <= 8, JSON.stringify(kinds));
    assert.ok(kinds.extracted >= 35, JSON.stringify(kinds));
  });
});
