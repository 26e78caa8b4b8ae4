/** Test support for sharing: the Principal behind a test organization's token, and its audit entries. */
import type { TestOrg } from '../../../test/helpers/factories.js';
import type { Container } from '../../container.js';
import { auditRepository, type StoredAuditEntry } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';

export async function principalFor(c: Container, org: TestOrg): Promise<Principal> {
  const p = await c.auth.authenticateToken(org.token);
  if (!p) throw new Error('token does not authenticate');
  return p;
}

/**
 * The audit entries `org` wrote while `fn` ran. Other suites write to a shared PostgreSQL at the
 * same time, so the entries are those after the chain head as it stood before, by this actor.
 */
export async function auditedDuring<T>(c: Container, org: { id: string }, fn: () => Promise<T>): Promise<{ result: T; entries: StoredAuditEntry[] }> {
  const head = await auditRepository.head(c.handle.db);
  const result = await fn();
  const entries: StoredAuditEntry[] = [];
  for (let after = head.seq; ; ) {
    const page = await auditRepository.page(c.handle.db, after, 5000);
    if (page.length === 0) break;
    entries.push(...page.filter((e) => e.actor_org_id === org.id));
    after = page[page.length - 1].seq;
  }
  return { result, entries };
}

/** Only the `restricted.read` entries of `entries`. */
export const restrictedReads = (entries: StoredAuditEntry[]) => entries.filter((e) => e.action === 'restricted.read');
