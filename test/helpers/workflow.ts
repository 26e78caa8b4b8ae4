/** Shared steps for workflow module tests: a report taken to a confirmed case in a few calls. */
import assert from 'node:assert/strict';
import type { Harness } from './harness.js';
import type { TestOrg } from './factories.js';

export async function inject(h: Harness, who: TestOrg, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  const r = await h.app.inject({ method, url, headers: who.headers, payload: payload as any });
  return { status: r.statusCode, body: r.headers['content-type']?.includes('json') ? r.json() : (r.body as any) };
}

export async function report(h: Harness, reporter: TestOrg, observables: { type: string; value: string }[], extra: Record<string, unknown> = {}) {
  const r = await inject(h, reporter, 'POST', '/api/v1/reports', {
    category: 'malicious_resource',
    subtype: 'botnet_c2',
    title: `test ${Math.random().toString(36).slice(2)}`,
    discovered_at: new Date(Date.now() - 60_000).toISOString(),
    tlp: 'amber',
    observables,
    ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** The case a report opened or joined. */
export async function caseOfReport(h: Harness, reportId: string): Promise<string> {
  const row = await h.c.handle.db.selectFrom('case_reports').select('case_id').where('report_id', '=', reportId).executeTakeFirst();
  assert.ok(row, 'the report is in a case');
  return row.case_id;
}

/** Report → assign to `institution` → confirmed. Returns the case id. */
export async function confirmedCase(h: Harness, o: { reporter: TestOrg; institution: TestOrg; regulator: TestOrg; observables: { type: string; value: string }[]; extra?: Record<string, unknown> }): Promise<string> {
  const rep = await report(h, o.reporter, o.observables, o.extra);
  const caseId = await caseOfReport(h, rep.id);
  const a = await inject(h, o.regulator, 'POST', `/api/v1/cases/${caseId}/assign`, { institution_org_id: o.institution.id });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  const v = await inject(h, o.institution, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'confirmed', severity: 'major', analysis: 'seen', recommended_measures: ['block_ip'] });
  assert.equal(v.status, 200, JSON.stringify(v.body));
  return caseId;
}

/**
 * A fresh address in a /16 for each call: the suites share one PostgreSQL, and a report of an
 * address some earlier run reported would join that run's case instead of opening a new one.
 */
let ipCounter = Math.floor(Math.random() * 60_000);
export function freshIp(prefix16: string): string {
  ipCounter = (ipCounter + 1) % 65_024;
  return `${prefix16}.${(ipCounter >> 8) & 255}.${(ipCounter & 255) || 1}`;
}

/** A random /28 inside a /16, so this run's declared scope is the most specific one on a shared database. */
export function freshBlock(prefix16: string): { cidr: string; ip(n: number): string } {
  const x = Math.floor(Math.random() * 256);
  const y = Math.floor(Math.random() * 16) * 16;
  return { cidr: `${prefix16}.${x}.${y}/28`, ip: (n: number) => `${prefix16}.${x}.${y + n}` };
}
