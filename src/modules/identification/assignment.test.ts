import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chooseInstitution, rankInstitutions, type InstitutionCandidate } from './assignment.js';

const cncert: InstitutionCandidate = { org_id: 'cncert', categories: ['malicious_resource', 'incident'], open_load: 10 };
const caict: InstitutionCandidate = { org_id: 'caict', categories: ['hidden_danger'], open_load: 2 };
const lab: InstitutionCandidate = { org_id: 'lab', categories: ['malicious_resource', 'malicious_program'], open_load: 3 };

describe('chooseInstitution', () => {
  const table: [string, InstitutionCandidate[], { category: string; reporting_org_ids: string[] }, string[], string | null][] = [
    ['prefers an institution covering the category over a less loaded one', [cncert, caict], { category: 'incident', reporting_org_ids: [] }, [], 'cncert'],
    ['among those covering, the least loaded', [cncert, caict, lab], { category: 'malicious_resource', reporting_org_ids: [] }, [], 'lab'],
    ['never an institution that reported the case', [cncert, caict, lab], { category: 'malicious_resource', reporting_org_ids: ['lab'] }, [], 'cncert'],
    ['honours extra exclusions (the identifier, on appeal)', [cncert, caict, lab], { category: 'malicious_resource', reporting_org_ids: [] }, ['lab'], 'cncert'],
    ['falls back to a non-covering institution rather than none', [cncert, caict], { category: 'malicious_program', reporting_org_ids: [] }, [], 'caict'],
    ['null when all are excluded', [cncert], { category: 'incident', reporting_org_ids: ['cncert'] }, [], null],
    ['null with no candidates', [], { category: 'incident', reporting_org_ids: [] }, [], null],
    [
      'ties on load break by org_id',
      [
        { org_id: 'b', categories: ['incident'], open_load: 1 },
        { org_id: 'a', categories: ['incident'], open_load: 1 },
      ],
      { category: 'incident', reporting_org_ids: [] },
      [],
      'a',
    ],
    [
      'a negative load does not win',
      [
        { org_id: 'a', categories: ['incident'], open_load: -5 },
        { org_id: 'b', categories: ['incident'], open_load: 100 },
      ],
      { category: 'incident', reporting_org_ids: [] },
      [],
      'b',
    ],
  ];
  for (const [name, candidates, c, exclude, expected] of table) {
    test(name, () => assert.equal(chooseInstitution(candidates, c, exclude), expected));
  }

  test('rankInstitutions orders covering first, then load, and drops duplicates', () => {
    const ranked = rankInstitutions([cncert, caict, lab, { ...lab, open_load: 0 }], { category: 'malicious_resource', reporting_org_ids: [] });
    assert.deepEqual(
      ranked.map((r) => [r.org_id, r.covers_category, r.open_load]),
      [
        ['lab', true, 3],
        ['cncert', true, 10],
        ['caict', false, 2],
      ],
    );
  });
});

describe('chooseInstitution properties', () => {
  const candidate = fc.record({
    org_id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
    categories: fc.subarray(['malicious_resource', 'malicious_program', 'hidden_danger', 'incident', 'other']),
    open_load: fc.nat(50),
  });
  const caseArb = fc.record({
    category: fc.constantFrom('malicious_resource', 'malicious_program', 'hidden_danger', 'incident', 'other'),
    reporting_org_ids: fc.subarray(['a', 'b', 'c', 'd', 'e', 'f']),
  });

  test('never picks a reporter or an excluded org; picks someone whenever someone is eligible', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 8 }), caseArb, fc.subarray(['a', 'b', 'c']), (cands, c, exclude) => {
        const chosen = chooseInstitution(cands, c, exclude);
        const eligible = cands.filter((x) => !c.reporting_org_ids.includes(x.org_id) && !exclude.includes(x.org_id));
        if (eligible.length === 0) assert.equal(chosen, null);
        else {
          assert.ok(chosen !== null);
          assert.ok(!c.reporting_org_ids.includes(chosen));
          assert.ok(!exclude.includes(chosen));
        }
      }),
    );
  });

  test('is independent of candidate order (deterministic)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(candidate, { selector: (x) => x.org_id, maxLength: 6 }),
        caseArb,
        (cands, c) => {
          assert.equal(chooseInstitution(cands, c), chooseInstitution([...cands].reverse(), c));
        },
      ),
    );
  });

  test('if any eligible institution covers the category, the chosen one does, with minimal load among them', () => {
    fc.assert(
      fc.property(fc.uniqueArray(candidate, { selector: (x) => x.org_id, maxLength: 6 }), caseArb, (cands, c) => {
        const chosen = chooseInstitution(cands, c);
        const covering = cands.filter((x) => !c.reporting_org_ids.includes(x.org_id) && x.categories.includes(c.category));
        if (covering.length === 0) return;
        const pick = cands.find((x) => x.org_id === chosen)!;
        assert.ok(pick.categories.includes(c.category));
        assert.equal(pick.open_load, Math.min(...covering.map((x) => x.open_load)));
      }),
    );
  });
});
