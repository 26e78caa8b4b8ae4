import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  MEASURES,
  MEASURE_CODES,
  TARGET_TYPES,
  UNIT_KINDS,
  measuresForTargetType,
  canTarget,
  canExecute,
  isMeasureCode,
  requiresSuperiorNotification,
  checkDecisionMeasures,
} from './measures.js';
import { isLegalRef } from '../enforcement/legal-basis.js';

describe('Article 8 measure vocabulary', () => {
  test('has exactly the measures of Article 8', () => {
    assert.deepEqual(MEASURE_CODES, [
      'block_ip',
      'block_broadband_account',
      'block_domain',
      'block_url',
      'stop_email_account',
      'stop_phone_number',
      'stop_service',
      'remove_malware',
      'remediate_vulnerability',
      'remediate_compromise',
      'notify_superior_authority',
      'other_technical',
    ]);
  });

  test('every measure is well-formed: labels, known targets, known executors, known legal basis', () => {
    for (const code of MEASURE_CODES) {
      const m = MEASURES[code];
      assert.ok(m.label.zh && m.label.en, code);
      for (const t of m.targets) assert.ok((TARGET_TYPES as readonly string[]).includes(t), `${code}: ${t}`);
      for (const k of m.executors) assert.ok((UNIT_KINDS as readonly string[]).includes(k), `${code}: ${k}`);
      for (const ref of m.legal_basis) assert.ok(isLegalRef(ref), `${code}: ${ref}`);
      // A measure that a unit carries out has targets; one without executors is notification-only.
      assert.equal(m.executors.length === 0, m.targets.length === 0, code);
      assert.equal(m.requires_result, m.executors.length > 0, code);
    }
  });

  test('only blocks of IPs, domains and URLs are emergency-eligible (DESIGN.md policies)', () => {
    assert.deepEqual(
      MEASURE_CODES.filter((c) => MEASURES[c].emergency_eligible),
      ['block_ip', 'block_domain', 'block_url'],
    );
  });

  test('every target type has at least one measure besides other_technical', () => {
    for (const t of TARGET_TYPES) {
      assert.ok(measuresForTargetType(t).filter((m) => m !== 'other_technical').length > 0, t);
    }
  });

  const table: [string, boolean][] = [
    [String(canTarget('block_ip', 'cidr')), true],
    [String(canTarget('block_ip', 'domain')), false],
    [String(canTarget('stop_phone_number', 'phone')), true],
    [String(canExecute('stop_phone_number', 'telecom_operator')), true],
    [String(canExecute('stop_phone_number', 'internet_company')), false],
    [String(canExecute('block_domain', 'domain_registrar')), true],
    [String(canExecute('notify_superior_authority', 'telecom_operator')), false],
    [String(isMeasureCode('hasOwnProperty')), false],
  ];
  test('canTarget / canExecute / isMeasureCode', () => {
    assert.deepEqual(table.map(([a]) => a === 'true'), table.map(([, b]) => b));
  });

  test('phone numbers are handled by stop_phone_number (and other_technical)', () => {
    assert.deepEqual(measuresForTargetType('phone'), ['stop_phone_number', 'other_technical']);
  });
});

describe('superior-authority notification (Art. 8)', () => {
  test('for Party/government bodies and CII only', () => {
    assert.equal(requiresSuperiorNotification('party_or_government'), true);
    assert.equal(requiresSuperiorNotification('critical_information_infrastructure'), true);
    assert.equal(requiresSuperiorNotification(['enterprise', 'critical_information_infrastructure']), true);
    assert.equal(requiresSuperiorNotification('enterprise'), false);
    assert.equal(requiresSuperiorNotification([]), false);
  });
});

describe('checkDecisionMeasures', () => {
  test('accepts a valid decision and adds the superior notification for CII', () => {
    const r = checkDecisionMeasures(
      [
        { measure: 'block_ip', targets: [{ type: 'ipv4', value: '192.0.2.1' }] },
        { measure: 'block_domain', targets: [{ type: 'domain', value: 'evil.example' }] },
      ],
      ['critical_information_infrastructure'],
    );
    assert.deepEqual(r, { ok: true, measures: ['block_ip', 'block_domain', 'notify_superior_authority'] });
  });
  test('does not add it twice', () => {
    const r = checkDecisionMeasures(
      [{ measure: 'notify_superior_authority', targets: [] }, { measure: 'block_url', targets: [{ type: 'url', value: 'http://x.example/' }] }],
      ['party_or_government'],
    );
    assert.deepEqual(r, { ok: true, measures: ['notify_superior_authority', 'block_url'] });
  });
  test('names every problem with its field', () => {
    const r = checkDecisionMeasures([
      { measure: 'block_ip', targets: [{ type: 'domain', value: 'x.example' }] },
      { measure: 'nuke', targets: [] },
      { measure: 'block_url', targets: [] },
      { measure: 'block_ip', targets: [{ type: 'ipv4', value: '192.0.2.1' }] },
      { measure: 'notify_superior_authority', targets: [{ type: 'ipv4', value: '192.0.2.1' }] },
    ]);
    assert.equal(r.ok, false);
    assert.deepEqual(
      !r.ok && r.errors.map((e) => e.field),
      ['/measures/0/targets/0/type', '/measures/1/measure', '/measures/2/targets', '/measures/3/measure', '/measures/4/targets'],
    );
  });
  test('refuses an empty decision', () => {
    const r = checkDecisionMeasures([]);
    assert.deepEqual(!r.ok && r.errors.map((e) => e.field), ['/measures']);
  });
});
