import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  PROVINCES,
  PROVINCE_CODES,
  isProvinceCode,
  provinceByCode,
  provinceCodeFromName,
} from './provinces.js';

describe('PROVINCES', () => {
  test('lists exactly the 31 provincial-level divisions of mainland China', () => {
    assert.equal(PROVINCES.length, 31);
    assert.equal(new Set(PROVINCE_CODES).size, 31);
    assert.equal(new Set(PROVINCES.map((p) => p.name_zh)).size, 31);
    assert.equal(new Set(PROVINCES.map((p) => p.short_name_zh)).size, 31);
    assert.equal(new Set(PROVINCES.map((p) => p.name_en)).size, 31);
  });

  test('uses six-digit GB/T 2260 province codes ending in 0000, in ascending order', () => {
    for (const p of PROVINCES) assert.match(p.code, /^[1-6]\d0000$/, p.code);
    assert.deepEqual([...PROVINCE_CODES], [...PROVINCE_CODES].sort());
    assert.equal(PROVINCE_CODES[0], '110000');
    assert.equal(PROVINCE_CODES[30], '650000');
  });

  test('leaves out Hong Kong, Macau and Taiwan', () => {
    for (const code of ['710000', '810000', '820000']) assert.equal(provinceByCode(code), undefined);
    for (const name of ['香港', '香港特别行政区', '澳门', '台湾', '台湾省'])
      assert.equal(provinceCodeFromName(name), undefined, name);
  });

  test('each short name is a prefix of the full name', () => {
    for (const p of PROVINCES) assert.ok(p.name_zh.startsWith(p.short_name_zh), p.name_zh);
  });

  test('is frozen', () => {
    assert.throws(() => {
      (PROVINCES as unknown as unknown[]).push({});
    });
    assert.throws(() => {
      (PROVINCES[0] as { name_en: string }).name_en = 'x';
    });
  });
});

describe('provinceByCode', () => {
  test('finds Beijing, Guangdong and Xinjiang', () => {
    assert.deepEqual(provinceByCode('110000'), {
      code: '110000',
      name_zh: '北京市',
      short_name_zh: '北京',
      name_en: 'Beijing',
    });
    assert.equal(provinceByCode('440000')?.name_zh, '广东省');
    assert.equal(provinceByCode('650000')?.name_zh, '新疆维吾尔自治区');
  });

  test('returns undefined for a prefecture code or garbage', () => {
    assert.equal(provinceByCode('440300'), undefined);
    assert.equal(provinceByCode(''), undefined);
    assert.equal(isProvinceCode('440000'), true);
    assert.equal(isProvinceCode('440300'), false);
  });
});

describe('provinceCodeFromName', () => {
  const cases: [string, string | undefined][] = [
    ['广东省', '440000'],
    ['广东', '440000'],
    ['内蒙古', '150000'],
    ['内蒙古自治区', '150000'],
    ['广西壮族自治区', '450000'],
    ['广西', '450000'],
    ['北京', '110000'],
    ['北京市', '110000'],
    ['重庆', '500000'],
    ['西藏', '540000'],
    ['宁夏回族自治区', '640000'],
    ['新疆', '650000'],
    ['黑龙江省', '230000'],
    [' 陕西省 ', '610000'],
    ['山西', '140000'],
    ['内蒙古省', undefined],
    ['广', undefined],
    ['Guangdong', undefined],
    ['', undefined],
    ['深圳市', undefined],
  ];
  for (const [name, code] of cases) {
    test(`maps ${JSON.stringify(name)} to ${code ?? 'nothing'}`, () => {
      assert.equal(provinceCodeFromName(name), code);
    });
  }

  test('round-trips every full and short name', () => {
    for (const p of PROVINCES) {
      assert.equal(provinceCodeFromName(p.name_zh), p.code);
      assert.equal(provinceCodeFromName(p.short_name_zh), p.code);
    }
  });
});
