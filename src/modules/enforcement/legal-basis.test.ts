import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LEGAL_CITATIONS,
  LEGAL_REFS,
  LAWS,
  PENALTY_PROVISIONS,
  formatCitation,
  chineseNumeral,
  penaltyRangeFor,
  validatePenalty,
  provisionsInForce,
  provisionFor,
  interviewProvisionFor,
  toChinaDate,
  isLegalRef,
  type PenaltyInput,
} from './legal-basis.js';

describe('citation table', () => {
  test('has the articles of the Measures the platform uses', () => {
    const measures = LEGAL_REFS.filter((r) => LEGAL_CITATIONS[r].law === 'measures_2017').map((r) => LEGAL_CITATIONS[r].article);
    assert.deepEqual(measures, [2, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });
  test('only Articles 2, 6 and 8 of the Measures are marked confirmed', () => {
    const confirmed = LEGAL_REFS.filter((r) => LEGAL_CITATIONS[r].confirmed).map((r) => LEGAL_CITATIONS[r].article);
    assert.deepEqual(confirmed, [2, 6, 8]);
  });
  test('every entry has both labels and refers to a known law', () => {
    for (const r of LEGAL_REFS) {
      const c = LEGAL_CITATIONS[r];
      assert.ok(c.summary.zh.length > 0 && c.summary.en.length > 0, r);
      assert.ok(c.law in LAWS, r);
    }
  });
  test('formats citations as printed on a notice', () => {
    assert.equal(formatCitation('measures_art8', 'zh'), '《办法》第八条');
    assert.equal(formatCitation('measures_art13', 'zh'), '《办法》第十三条');
    assert.equal(formatCitation('csl_2016_art59', 'zh'), '《网络安全法》第五十九条');
    assert.equal(formatCitation('csl_2025_art61', 'en'), 'Cybersecurity Law, Art. 61');
  });
  test('chinese numerals', () => {
    assert.deepEqual([1, 10, 11, 20, 56, 99, 0, 100].map(chineseNumeral), ['一', '十', '十一', '二十', '五十六', '九十九', '0', '100']);
  });
  test('isLegalRef guards prototype names', () => {
    assert.equal(isLegalRef('measures_art8'), true);
    assert.equal(isLegalRef('constructor'), false);
  });
  test('the two texts of the Cybersecurity Law meet without a gap or overlap', () => {
    assert.equal(LAWS.csl_2016.in_force_until, '2025-12-31');
    assert.equal(LAWS.csl_2025.in_force_from, '2026-01-01');
  });
});

describe('toChinaDate', () => {
  test('uses China local time for instants', () => {
    assert.equal(toChinaDate(new Date('2025-12-31T16:30:00Z')), '2026-01-01');
    assert.equal(toChinaDate('2025-12-31T15:59:59Z'), '2025-12-31');
    assert.equal(toChinaDate('2025-12-31'), '2025-12-31');
  });
  test('refuses non-dates', () => {
    assert.equal(toChinaDate('2025-02-30'), null);
    assert.equal(toChinaDate('yesterday'), null);
    assert.equal(toChinaDate(new Date('x')), null);
  });
});

describe('provisions by date of conduct', () => {
  test('2025 conduct falls under the 2016 text, 2026 conduct under the amended text', () => {
    assert.deepEqual(provisionsInForce('2025-12-31'), ['csl_2016_art59', 'csl_2016_art60']);
    assert.deepEqual(provisionsInForce('2026-01-01'), ['csl_2025_art61']);
    assert.deepEqual(provisionsInForce('2017-05-31'), []);
    assert.equal(provisionFor('network_protection', '2024-06-01'), 'csl_2016_art59');
    assert.equal(provisionFor('network_protection', '2026-03-01'), 'csl_2025_art61');
    assert.equal(provisionFor('malicious_program_or_vulnerability', '2026-03-01'), null);
    assert.equal(interviewProvisionFor('2025-01-01'), 'csl_2016_art56');
    assert.equal(interviewProvisionFor('2026-01-01'), 'csl_2025_art56');
  });

  test('penaltyRangeFor returns the statutory ranges', () => {
    const r = penaltyRangeFor({ conduct_date: '2024-05-01', provision: 'csl_2016_art59', tier: 'refusal_or_harm' });
    assert.ok(r.ok);
    assert.deepEqual(r.rule.unit, [10_000, 100_000]);
    assert.deepEqual(r.rule.person, [5_000, 50_000]);
    const cii = penaltyRangeFor({ conduct_date: '2024-05-01', provision: 'csl_2016_art59', tier: 'refusal_or_harm', is_cii: true });
    assert.ok(cii.ok);
    assert.deepEqual(cii.rule.unit, [100_000, 1_000_000]);
    assert.deepEqual(cii.rule.person, [10_000, 100_000]);
    const art60 = penaltyRangeFor({ conduct_date: '2024-05-01', provision: 'csl_2016_art60', tier: 'refusal_or_harm' });
    assert.ok(art60.ok);
    assert.deepEqual([art60.rule.unit, art60.rule.person], [[50_000, 500_000], [10_000, 100_000]]);
    const tiers2026 = (['warning', 'refusal_or_harm', 'serious_harm', 'particularly_serious_harm'] as const).map((tier) => {
      const x = penaltyRangeFor({ conduct_date: '2026-02-01', provision: 'csl_2025_art61', tier });
      assert.ok(x.ok);
      return [x.rule.unit, x.rule.person];
    });
    assert.deepEqual(tiers2026, [
      [[10_000, 50_000], null],
      [[50_000, 500_000], [10_000, 100_000]],
      [[500_000, 2_000_000], [50_000, 200_000]],
      [[2_000_000, 10_000_000], [200_000, 1_000_000]],
    ]);
  });

  test('penaltyRangeFor refuses a provision not in force at the conduct date', () => {
    const r = penaltyRangeFor({ conduct_date: '2026-01-01', provision: 'csl_2016_art59', tier: 'refusal_or_harm' });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.field === 'basis' && /not in force on 2026-01-01/.test(r.message) && /csl_2025_art61/.test(r.message));
    const early = penaltyRangeFor({ conduct_date: '2025-12-31', provision: 'csl_2025_art61', tier: 'warning' });
    assert.ok(!early.ok && early.field === 'basis');
  });
  test('penaltyRangeFor refuses unknown provisions, tiers and dates', () => {
    assert.deepEqual(
      [
        penaltyRangeFor({ conduct_date: '2024-01-01', provision: 'csl_2016_art99', tier: 'warning' }),
        penaltyRangeFor({ conduct_date: '2024-01-01', provision: 'csl_2016_art59', tier: 'serious_harm' }),
        penaltyRangeFor({ conduct_date: 'soon', provision: 'csl_2016_art59', tier: 'warning' }),
        penaltyRangeFor({ conduct_date: '2024-01-01', provision: 'toString', tier: 'warning' }),
      ].map((r) => (r.ok ? 'ok' : r.field)),
      ['basis', 'tier', 'conduct_date', 'basis'],
    );
  });
});

describe('validatePenalty', () => {
  const base2016: PenaltyInput = { conduct_date: '2024-05-01', basis: 'csl_2016_art59', tier: 'refusal_or_harm', kind: 'fine' };
  const base2026: PenaltyInput = { conduct_date: '2026-05-01', basis: 'csl_2025_art61', tier: 'warning', kind: 'warning_and_fine' };
  const table: [string, PenaltyInput, string | null][] = [
    ['fine at the bottom of the range', { ...base2016, unit_amount: 10_000 }, null],
    ['fine at the top, with the person', { ...base2016, unit_amount: 100_000, person_amount: 50_000 }, null],
    ['unit fine below the range', { ...base2016, unit_amount: 9_999 }, 'unit_amount'],
    ['unit fine above the range', { ...base2016, unit_amount: 100_001 }, 'unit_amount'],
    ['person fine above the range', { ...base2016, unit_amount: 50_000, person_amount: 50_001 }, 'person_amount'],
    ['person fine below the range', { ...base2016, unit_amount: 50_000, person_amount: 4_999 }, 'person_amount'],
    ['a fine without a unit amount', { ...base2016 }, 'unit_amount'],
    ['fractional yuan', { ...base2016, unit_amount: 10_000.5 }, 'unit_amount'],
    ['negative amount', { ...base2016, unit_amount: 20_000, person_amount: -1 }, 'person_amount'],
    ['CII range applies to CII operators', { ...base2016, is_cii: true, unit_amount: 100_000 }, null],
    ['CII operator below the CII range', { ...base2016, is_cii: true, unit_amount: 99_999 }, 'unit_amount'],
    ['2016 warning tier: warning alone', { ...base2016, tier: 'warning', kind: 'warning' }, null],
    ['2016 warning tier: no fine possible', { ...base2016, tier: 'warning', kind: 'warning_and_fine', unit_amount: 10_000 }, 'kind'],
    ['warning with an amount', { ...base2016, tier: 'warning', kind: 'warning', unit_amount: 10_000 }, 'unit_amount'],
    ['refusal tier: a warning alone is not lawful', { ...base2016, kind: 'warning' }, 'kind'],
    ['refusal tier: fine is not "warning_and_fine"', { ...base2016, kind: 'warning_and_fine', unit_amount: 10_000 }, 'kind'],
    ['2016 provision for 2026 conduct', { ...base2016, conduct_date: '2026-01-02', unit_amount: 10_000 }, 'basis'],
    ['2026 warning with optional fine', { ...base2026, unit_amount: 50_000 }, null],
    ['2026 warning alone', { ...base2026, kind: 'warning' }, null],
    ['2026 warning tier: fine above ¥50,000', { ...base2026, unit_amount: 50_001 }, 'unit_amount'],
    ['2026 warning tier: no person fine', { ...base2026, unit_amount: 20_000, person_amount: 10_000 }, 'person_amount'],
    ['2026 warning tier: "fine" must go with a warning', { ...base2026, kind: 'fine', unit_amount: 20_000 }, 'kind'],
    ['2026 particularly serious harm, top of range', { ...base2026, tier: 'particularly_serious_harm', kind: 'fine', unit_amount: 10_000_000, person_amount: 1_000_000 }, null],
    ['2026 serious harm, below range', { ...base2026, tier: 'serious_harm', kind: 'fine', unit_amount: 499_999 }, 'unit_amount'],
    ['unknown kind', { ...base2016, kind: 'detention', unit_amount: 10_000 }, 'kind'],
  ];
  for (const [name, input, field] of table) {
    test(name, () => {
      const r = validatePenalty(input);
      assert.equal(r.ok ? null : r.field, field, r.ok ? '' : r.message);
    });
  }

  test('the refusal message names the statutory range', () => {
    const r = validatePenalty({ ...base2016, unit_amount: 5 });
    assert.ok(!r.ok && r.message.includes('¥10,000–¥100,000'));
  });

  test('property: every amount inside the range is accepted, every amount outside refused', () => {
    for (const code of Object.keys(PENALTY_PROVISIONS) as (keyof typeof PENALTY_PROVISIONS)[]) {
      const p = PENALTY_PROVISIONS[code];
      const rule = p.tiers.refusal_or_harm!;
      const [min, max] = rule.unit!;
      const date = p.valid_from;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: max * 2 }), (amount) => {
          const r = validatePenalty({ conduct_date: date, basis: code, tier: 'refusal_or_harm', kind: 'fine', unit_amount: amount });
          assert.equal(r.ok, amount >= min && amount <= max);
        }),
      );
    }
  });
});
