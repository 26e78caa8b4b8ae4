/** Test support for sharing: the Principal behind a test organization's token. */
import type { TestOrg } from '../../../test/helpers/factories.js';
import type { Container } from '../../container.js';
import type { Principal } from '../auth/principal.js';

export async function principalFor(c: Container, org: TestOrg): Promise<Principal> {
  const p = await c.auth.authenticateToken(org.token);
  if (!p) throw new Error('token does not authenticate');
  return p;
}
