import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OrgKind, Principal, Role } from '../auth/principal.js';
import {
  assertCanDraftRelease,
  assertCanManageExclusions,
  assertCanManageSubscriptions,
  assertCanReadSubscription,
  assertCanReviewRelease,
  assertCanSendBulletin,
} from './sharing.policy.js';

const p = (orgKind: OrgKind, roles: Role[] = ['admin'], orgId = 'me'): Principal => ({
  orgId,
  orgKind,
  orgName: 'x',
  provinceCode: orgKind === 'regulator_provincial' ? '440000' : null,
  userId: null,
  tokenId: 't',
  username: null,
  roles,
});
const allowed = (f: () => void) => {
  try {
    f();
    return true;
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'forbidden');
    return false;
  }
};

describe('sharing policy', () => {
  const cases: [string, () => void, boolean][] = [
    ['ministry admin manages exclusions', () => assertCanManageExclusions(p('regulator_national')), true],
    ['ministry analyst manages exclusions', () => assertCanManageExclusions(p('regulator_national', ['analyst'])), true],
    ['ministry auditor does not', () => assertCanManageExclusions(p('regulator_national', ['auditor'])), false],
    ['a provincial administration does not', () => assertCanManageExclusions(p('regulator_provincial')), false],
    ['a unit does not', () => assertCanManageExclusions(p('internet_company')), false],
    ['a provincial handler sends bulletins', () => assertCanSendBulletin(p('regulator_provincial', ['handler'])), true],
    ['an institution does not send bulletins', () => assertCanSendBulletin(p('professional_institution')), false],
    ['a unit does not send bulletins', () => assertCanSendBulletin(p('telecom_operator')), false],
    ['an institution analyst drafts releases', () => assertCanDraftRelease(p('professional_institution', ['analyst'])), true],
    ['a unit does not draft releases', () => assertCanDraftRelease(p('security_vendor')), false],
    ['a regulator admin approves releases', () => assertCanReviewRelease(p('regulator_provincial')), true],
    ['a regulator analyst does not approve', () => assertCanReviewRelease(p('regulator_national', ['analyst'])), false],
    ['an institution does not approve', () => assertCanReviewRelease(p('professional_institution')), false],
    ['an admin manages its own subscriptions', () => assertCanManageSubscriptions(p('internet_company'), 'me'), true],
    ['not another organization\u2019s', () => assertCanManageSubscriptions(p('internet_company'), 'other'), false],
    ['not as a reporter', () => assertCanManageSubscriptions(p('internet_company', ['reporter']), 'me'), false],
    ['a handler reads its own delivery log', () => assertCanReadSubscription(p('internet_company', ['handler']), 'me'), true],
    ['a regulator reads any delivery log', () => assertCanReadSubscription(p('regulator_provincial', ['auditor']), 'other'), true],
    ['another unit does not', () => assertCanReadSubscription(p('internet_company'), 'other'), false],
  ];
  for (const [name, f, expected] of cases) test(name, () => assert.equal(allowed(f), expected));
});
