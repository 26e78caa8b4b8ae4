/**
 * Who may do what in sharing, pure: table-tested in sharing.policy.test.ts and called first in
 * every service method.
 */
import { forbidden } from '../../lib/problem.js';
import { hasRole, isInstitution, isNationalRegulator, isRegulator, type Principal } from '../auth/principal.js';

/** The exclusion list keeps values out of every blocklist "until a regulator decides" (DESIGN §6). */
export function assertCanManageExclusions(p: Principal): void {
  if (isNationalRegulator(p) && hasRole(p, 'admin', 'analyst')) return;
  throw forbidden('Only the ministry manages the exclusion list');
}

export function assertCanReadExclusions(p: Principal): void {
  if (isRegulator(p) || isInstitution(p)) return;
  throw forbidden('Only regulators and professional institutions read the exclusion list');
}

/** Bulletins (通报) are a regulator's act (Art. 10–11). */
export function assertCanSendBulletin(p: Principal): void {
  if (isRegulator(p) && hasRole(p, 'admin', 'analyst', 'handler')) return;
  throw forbidden('Only a regulator sends bulletins');
}

/** Releases are drafted by a regulator or a professional institution. */
export function assertCanDraftRelease(p: Principal): void {
  if ((isRegulator(p) || isInstitution(p)) && hasRole(p, 'admin', 'analyst')) return;
  throw forbidden('Only regulators and professional institutions draft releases');
}

/** Publication only after a regulator approves (Art. 11); institutions may not approve. */
export function assertCanReviewRelease(p: Principal): void {
  if (isRegulator(p) && hasRole(p, 'admin')) return;
  throw forbidden('Only a regulator (admin) approves, rejects, publishes or withdraws a release');
}

export function assertCanEditRelease(p: Principal, release: { author_org_id: string }): void {
  if (p.orgId === release.author_org_id && hasRole(p, 'admin', 'analyst')) return;
  throw forbidden('Only the authoring organization edits or submits its release');
}

/** An organization's admin manages its subscriptions; regulators may read any delivery log. */
export function assertCanManageSubscriptions(p: Principal, orgId: string): void {
  if (p.orgId === orgId && hasRole(p, 'admin')) return;
  throw forbidden('Only an admin of the organization manages its subscriptions');
}

export function assertCanReadSubscription(p: Principal, orgId: string): void {
  if (p.orgId === orgId && hasRole(p, 'admin', 'handler')) return;
  if (isNationalRegulator(p) || p.orgKind === 'regulator_provincial') return;
  throw forbidden('Only the organization or a regulator reads its subscriptions');
}
