/**
 * report-visibility.ts: the predicate and the SQL condition agree on every combination of facts,
 * and both say what the three hand-written statements they replace said (reports.policy.ts
 * canSeeReport, misp.service.ts visible(), misp.repository.ts's filter), so moving the rule into
 * the access module changed nobody's view.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../db/database.js';
import { TEST_DATABASE_URL, dbLabel } from '../../../test/helpers/harness.js';
import type { OrgKind, Principal } from '../auth/principal.js';
import { canSeeReport, isReportInFeed, reportAudienceOf, reportInFeedSql, reportVisibleSql } from './report-visibility.js';

const ORG_A = '00000000-0000-4000-8000-00000000000a';
const ORG_B = '00000000-0000-4000-8000-00000000000b';
const principal = (orgKind: OrgKind, orgId: string, provinceCode: string | null): Principal => ({ orgId, orgKind, orgName: 'x', provinceCode, userId: null, tokenId: null, username: null, roles: ['analyst'] });

/** The rule as it was written by hand before (reports.policy.ts, misp.service.ts visible()). */
function before_canSeeReport(p: Principal, r: { org_id: string; province_code: string | null }): boolean {
  if (r.org_id === p.orgId) return true;
  if (p.orgKind === 'regulator_national' || p.orgKind === 'professional_institution') return true;
  return p.orgKind === 'regulator_provincial' && r.province_code !== null && r.province_code === p.provinceCode;
}
const before_visible = (p: Principal, r: { org_id: string; province_code: string | null; tlp: string }) => before_canSeeReport(p, r) || r.tlp === 'clear' || r.tlp === 'green';

const principals = [
  principal('regulator_national', ORG_B, null),
  principal('professional_institution', ORG_B, null),
  principal('regulator_provincial', ORG_B, '440000'),
  principal('regulator_provincial', ORG_B, '110000'),
  principal('regulator_provincial', ORG_B, null),
  principal('security_vendor', ORG_A, '440000'),
  principal('internet_company', ORG_B, '440000'),
  principal('cyberspace_administration', ORG_B, '440000'),
];
const reports: { id: number; org_id: string; province_code: string | null; tlp: string }[] = [];
for (const org_id of [ORG_A, ORG_B])
  for (const province_code of ['440000', '110000', null])
    for (const tlp of ['clear', 'green', 'amber', 'amber+strict', 'red']) reports.push({ id: reports.length, org_id, province_code, tlp });

describe(`report visibility: one rule, predicate and SQL (${dbLabel})`, () => {
  let handle: DatabaseHandle;
  before(async () => {
    handle = TEST_DATABASE_URL ? await openDatabase({ databaseUrl: TEST_DATABASE_URL, poolSize: 1 }) : await openDatabase({ dataDir: null });
  });
  after(() => handle.close());

  const select = async (cond: ReturnType<typeof reportInFeedSql>) => {
    const values = sql.join(reports.map((r) => sql`(${r.id}::int, ${r.org_id}::uuid, ${r.province_code}::char(6), ${r.tlp}::text)`));
    const rows = await sql<{ id: number }>`SELECT r.id FROM (VALUES ${values}) AS r(id, org_id, province_code, tlp) WHERE ${cond} ORDER BY r.id`.execute(handle.db);
    return new Set(rows.rows.map((x) => Number(x.id)));
  };

  test('unchanged: the predicates answer as the hand-written rules did', () => {
    for (const p of principals)
      for (const r of reports) {
        assert.equal(canSeeReport(p, r), before_canSeeReport(p, r), `${p.orgKind} ${p.provinceCode} report ${JSON.stringify(r)}`);
        assert.equal(isReportInFeed(p, r), before_visible(p, r), `${p.orgKind} ${p.provinceCode} report ${JSON.stringify(r)}`);
      }
  });

  test('the SQL conditions select exactly what the predicates allow', async () => {
    for (const p of principals) {
      const a = reportAudienceOf(p);
      const inFeed = await select(reportInFeedSql(a));
      const visible = await select(reportVisibleSql(a));
      for (const r of reports) {
        assert.equal(inFeed.has(r.id), isReportInFeed(p, r), `feed: ${p.orgKind} ${p.provinceCode} report ${JSON.stringify(r)}`);
        assert.equal(visible.has(r.id), canSeeReport(p, r), `visible: ${p.orgKind} ${p.provinceCode} report ${JSON.stringify(r)}`);
      }
    }
  });
});
