import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Principal } from '../auth/principal.js';
import { assertCanDecide } from '../decisions/decisions.policy.js';
import { assertCanEnforce, assertIsReviewer } from '../enforcement/enforcement.policy.js';
import { assertCanIdentify, canSeeCase } from '../identification/identification.policy.js';
import { assertCanRotateKeys, assertCanVerify, assertIsNoticedUnit, canSeeNotice } from './notices.policy.js';

const p = (orgKind: Principal['orgKind'], orgId: string, provinceCode: string | null = null, roles: Principal['roles'] = ['admin', 'analyst', 'handler', 'reporter']): Principal => ({
  orgId,
  orgKind,
  orgName: orgId,
  provinceCode,
  userId: null,
  tokenId: null,
  username: null,
  roles,
});
const ministry = p('regulator_national', 'miit');
const gd = p('regulator_provincial', 'gd', '440000');
const bj = p('regulator_provincial', 'bj', '110000');
const cncert = p('professional_institution', 'cncert');
const unit = p('telecom_operator', 'unit', '440000');
const other = p('telecom_operator', 'other', '440000');
const allows = (fn: () => void) => {
  try {
    fn();
    return true;
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'forbidden');
    return false;
  }
};

describe('workflow policies', () => {
  const notice = { recipient_org_id: 'unit', issuer_org_id: 'gd', province_code: '440000' };
  test('who sees a notice', () => {
    const table: [Principal, boolean][] = [[ministry, true], [gd, true], [bj, false], [cncert, true], [unit, true], [other, false]];
    for (const [who, expected] of table) assert.equal(canSeeNotice(who, notice), expected, who.orgId);
  });
  test('only the noticed unit, with the handler role, acknowledges and reports', () => {
    const table: [Principal, boolean][] = [[unit, true], [p('telecom_operator', 'unit', '440000', ['reporter']), false], [other, false], [gd, false], [ministry, false]];
    for (const [who, expected] of table) assert.equal(allows(() => assertIsNoticedUnit(who, notice)), expected, who.orgId);
  });
  test('the province\u2019s regulator, the ministry or an institution verifies; never another province or the unit', () => {
    const table: [Principal, boolean][] = [[gd, true], [ministry, true], [cncert, true], [bj, false], [unit, false]];
    for (const [who, expected] of table) assert.equal(allows(() => assertCanVerify(who, notice)), expected, who.orgId);
  });
  test('deciding: the regulator of the case\u2019s province, or the ministry; national cases only the ministry', () => {
    const table: [Principal, string | null, boolean][] = [
      [gd, '440000', true],
      [bj, '440000', false],
      [ministry, '440000', true],
      [ministry, null, true],
      [gd, null, false],
      [cncert, '440000', false],
      [unit, '440000', false],
    ];
    for (const [who, prov, expected] of table) assert.equal(allows(() => assertCanDecide(who, { province_code: prov })), expected, `${who.orgId} ${prov}`);
    for (const [who, prov, expected] of table) assert.equal(allows(() => assertCanEnforce(who, { province_code: prov })), expected && who.roles.includes('handler'), `${who.orgId} ${prov}`);
  });
  test('an institution identifies only what is assigned to it and never what its organization reported', () => {
    const c = { province_code: '440000', reporting_org_ids: ['unit'], assigned_org_id: 'cncert' };
    assert.equal(allows(() => assertCanIdentify(cncert, c)), true);
    assert.equal(allows(() => assertCanIdentify(cncert, { ...c, reporting_org_ids: ['unit', 'cncert'] })), false);
    assert.equal(allows(() => assertCanIdentify(p('professional_institution', 'caict'), c)), false);
    assert.equal(allows(() => assertCanIdentify(gd, { ...c, assigned_org_id: 'gd' })), false);
    assert.equal(canSeeCase(bj, c), false);
    assert.equal(canSeeCase(unit, c), true);
    assert.equal(canSeeCase(other, c), false);
  });
  test('appeal reviewers and key rotation', () => {
    assert.equal(allows(() => assertIsReviewer(cncert, { reviewer_org_id: 'cncert' })), true);
    assert.equal(allows(() => assertIsReviewer(cncert, { reviewer_org_id: 'caict' })), false);
    assert.equal(allows(() => assertIsReviewer(gd, { reviewer_org_id: 'gd' })), false);
    assert.equal(allows(() => assertCanRotateKeys(ministry)), true);
    assert.equal(allows(() => assertCanRotateKeys(gd)), false);
  });
});
