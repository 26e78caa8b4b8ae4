/**
 * One-line factories for organizations and tokens. Tests isolate by creating fresh organizations
 * with unique short codes (never by truncating tables), so the same suite runs on a shared
 * PostgreSQL database as on a fresh PGlite.
 */
import { randomUUID } from 'node:crypto';
import type { Container } from '../../src/container.js';
import type { OrgKind, Role } from '../../src/modules/auth/principal.js';

let counter = 0;
export function uniqueCode(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`.toLowerCase();
}

export interface TestOrg {
  id: string;
  token: string;
  kind: OrgKind;
  province_code: string | null;
  headers: { authorization: string };
}

export async function makeOrg(
  c: Container,
  kind: OrgKind,
  opts: {
    province_code?: string | null;
    roles?: Role[];
    scopes?: { kind: 'cidr' | 'asn' | 'domain_suffix' | 'service'; value: string }[];
    operator?: string;
    name?: string;
    is_cii?: boolean;
    /** Trusted by a regulator for provisional listing: its reports are blocking before identification (indicators/listing.ts). */
    trusted_reporter?: boolean;
  } = {},
): Promise<TestOrg> {
  const province_code = opts.province_code === undefined ? (kind === 'regulator_national' || kind === 'professional_institution' ? null : '440000') : opts.province_code;
  const org = await c.orgs.create(null, {
    kind,
    name: opts.name ?? `测试 ${kind} ${randomUUID().slice(0, 8)}`,
    short_code: uniqueCode(kind.replace(/_/g, '-')),
    province_code,
    operator: (opts.operator as any) ?? null,
    responsible_department: '网络安全部',
    responsible_person: { name: '张三', phone: '+86 10 0000 0000', email: 'duty@example.cn' },
    contacts: [{ name: '值班室', role: 'duty desk', phone: '+86 10 0000 0001' }],
    scopes: opts.scopes,
    is_cii: opts.is_cii,
  });
  const roles: Role[] = opts.roles ?? ['admin', 'analyst', 'reporter', 'handler', 'auditor'];
  const t = await c.auth.createToken(null, { org_id: org.id, name: 'test', roles });
  if (opts.trusted_reporter) await c.handle.db.transaction().execute((tx) => c.listing.setTrustedReporter(tx, org.id, true));
  await c.refreshDirectory();
  return { id: org.id, token: t.token, kind, province_code, headers: { authorization: `Bearer ${t.token}` } };
}
