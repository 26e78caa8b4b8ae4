/**
 * Seeds the demo world into an empty database and writes every credential to
 * `$DATA_DIR/demo-credentials.json`. Refuses to touch a database that already has organizations,
 * so it can never mix demo accounts into real data.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Container } from '../container.js';
import { requiresSecondFactor } from '../modules/auth/second-factor.js';
import { DEMO_PASSWORD, demoOrganizations } from './demo-data.js';

export interface DemoCredential {
  organization: string;
  short_code: string;
  org_id: string;
  kind: string;
  province_code: string | null;
  roles: string[];
  token: string;
  /** `totp_secret`: the demo admins who must have a second factor get one; compute codes from it (otplib, or any authenticator app). */
  users: { username: string; password: string; roles: string[]; totp_secret?: string; recovery_codes?: string[] }[];
}

export async function isEmpty(c: Container): Promise<boolean> {
  return (await c.orgs.count()) === 0;
}

export async function seedDemo(c: Container, opts: { onProgress?: (done: number, total: number) => void; sampleReports?: boolean } = {}): Promise<{ file: string; credentials: DemoCredential[] }> {
  if (!(await isEmpty(c))) throw new Error('The database already has organizations: demo data goes only into an empty database');
  const orgs = demoOrganizations();
  const credentials: DemoCredential[] = [];
  const byCode = new Map<string, string>();
  let done = 0;
  for (const o of orgs) {
    const { users, token_roles, ...input } = o;
    const parentCode = input.operator && input.province_code ? input.short_code.split('-').slice(0, 2).join('-') : null;
    if (parentCode && byCode.has(parentCode)) input.parent_id = byCode.get(parentCode);
    const created = await c.orgs.create(null, input);
    byCode.set(created.short_code, created.id);
    const t = await c.auth.createToken(null, { org_id: created.id, name: 'demo', roles: token_roles });
    const cred: DemoCredential = { organization: created.name, short_code: created.short_code, org_id: created.id, kind: created.kind, province_code: created.province_code, roles: token_roles, token: t.token, users: [] };
    for (const u of users ?? []) {
      const user = await c.auth.createUser(null, { org_id: created.id, username: u.username, display_name: u.display_name, password: DEMO_PASSWORD, roles: u.roles });
      const totp = requiresSecondFactor(created.kind, u.roles) ? await c.sessions.provisionTotp(user.id) : null;
      cred.users.push({ username: u.username, password: DEMO_PASSWORD, roles: u.roles, ...(totp ? { totp_secret: totp.secret, recovery_codes: totp.recovery_codes } : {}) });
    }
    credentials.push(cred);
    opts.onProgress?.(++done, orgs.length);
  }
  await c.refreshDirectory();
  await c.sessions.markDemo();

  if (opts.sampleReports !== false) await seedSampleReports(c, credentials);

  const file = path.join(c.config.dataDir, 'demo-credentials.json');
  fs.mkdirSync(c.config.dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ warning: 'Demo credentials: never use them in production', password: DEMO_PASSWORD, organizations: credentials }, null, 2), { mode: 0o600 });
  return { file, credentials };
}

/** A few real-looking reports so the console and the lookups have something to show. */
async function seedSampleReports(c: Container, creds: DemoCredential[]): Promise<void> {
  const vendor = creds.find((x) => x.short_code === 'demo-vendor-greatwall')!;
  const p = await c.auth.authenticateToken(vendor.token);
  if (!p) return;
  const now = Date.now();
  await c.reports.submit(p, {
    category: 'malicious_resource',
    subtype: 'phishing_site',
    title: '仿冒网上银行登录页面（演示）',
    description: 'Demo: a phishing page imitating an online bank login. The address comes from a public blocklist (stamparm/ipsum); the name is invented.',
    discovered_at: new Date(now - 3_600_000).toISOString(),
    tlp: 'amber',
    observables: [
      { type: 'url', value: 'http://120.238.23.168:8080/bank/login.html' },
      { type: 'ipv4', value: '120.238.23.168' },
      { type: 'domain', value: 'secure-login.bank-demo.top' },
    ],
    disclose_reporter: true,
  });
  await c.reports.submit(p, {
    category: 'malicious_resource',
    subtype: 'botnet_c2',
    title: '僵尸网络控制端（演示）',
    discovered_at: new Date(now - 7_200_000).toISOString(),
    tlp: 'green',
    observables: [{ type: 'domain', value: 'c2.mirai-demo.cn' }],
  });
}
