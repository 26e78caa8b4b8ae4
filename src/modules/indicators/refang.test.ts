import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeAny, normalizeObservable } from './normalize.js';
import { isDefanged, refang } from './refang.js';

describe('refang', () => {
  const cases: [string, string][] = [
    ['hxxp://evil-example[.]com/login', 'http://evil-example.com/login'],
    ['hxxps://evil-example[.]com', 'https://evil-example.com'],
    ['hXXps://a(.)b[.]cn/x', 'https://a.b.cn/x'],
    ['https[:]//evil-example[.]com', 'https://evil-example.com'],
    ['fxp://files[.]example[.]org', 'ftp://files.example.org'],
    ['example[.]com', 'example.com'],
    ['example[dot]com', 'example.com'],
    ['113.108.10[.]21', '113.108.10.21'],
    ['phisher[@]mail[.]example[.]com', 'phisher@mail.example.com'],
    ['phisher[at]mail(.)example(.)com', 'phisher@mail.example.com'],
    ['example.com', 'example.com'],
    ['http://example.com/a[1]', 'http://example.com/a[1]'],
  ];
  for (const [input, live] of cases) test(`${input} → ${live}`, () => assert.equal(refang(input), live));

  test('says whether a value was defanged', () => {
    assert.equal(isDefanged('example[.]com'), true);
    assert.equal(isDefanged('example.com'), false);
  });

  test('normalization accepts defanged values and stores the live, canonical form', () => {
    const d = normalizeObservable('domain', 'Evil-Example[.]COM');
    assert.equal(d.ok, true);
    assert.equal(d.ok && d.value, 'evil-example.com');
    const u = normalizeAny('hxxp://113.108.10[.]21/panel');
    assert.equal(u.ok && u.type, 'url');
    assert.equal(u.ok && u.value, 'http://113.108.10.21/panel');
    const ip = normalizeAny('113.108.10[.]21');
    assert.equal(ip.ok && ip.type, 'ipv4');
  });
});
