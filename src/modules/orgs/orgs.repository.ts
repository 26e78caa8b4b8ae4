/** Every SQL statement of organizations and their resource scopes. */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Contact, ResponsiblePerson } from '../../db/schema.js';

export interface OrgRow {
  id: string;
  kind: string;
  name: string;
  name_en: string | null;
  short_code: string;
  province_code: string | null;
  operator: string | null;
  parent_id: string | null;
  responsible_department: string;
  responsible_person: ResponsiblePerson;
  contacts: Contact[];
  is_cii: boolean;
  is_party_government: boolean;
  superior_org_id: string | null;
  categories: string[];
  status: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface ScopeRow {
  org_id: string;
  kind: string;
  value: string;
}

function fix(row: any): OrgRow {
  return { ...row, province_code: row.province_code ? String(row.province_code).trim() : null };
}

export const orgsRepository = {
  async insert(tx: Executor, row: Omit<OrgRow, 'created_at' | 'updated_at' | 'version'>): Promise<void> {
    await tx
      .insertInto('organizations')
      .values({
        ...row,
        responsible_person: JSON.stringify(row.responsible_person),
        contacts: JSON.stringify(row.contacts),
      })
      .execute();
  },

  async update(tx: Executor, id: string, patch: Partial<OrgRow>): Promise<void> {
    const values: Record<string, unknown> = { ...patch, updated_at: new Date() };
    if (patch.responsible_person) values.responsible_person = JSON.stringify(patch.responsible_person);
    if (patch.contacts) values.contacts = JSON.stringify(patch.contacts);
    await tx
      .updateTable('organizations')
      .set({ ...(values as any), version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
  },

  async get(db: Executor, id: string): Promise<OrgRow | undefined> {
    const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fix(row) : undefined;
  },

  async getByShortCode(db: Executor, code: string): Promise<OrgRow | undefined> {
    const row = await db.selectFrom('organizations').selectAll().where('short_code', '=', code).executeTakeFirst();
    return row ? fix(row) : undefined;
  },

  async list(
    db: Executor,
    f: { kind?: string; province_code?: string; q?: string; ids?: string[]; limit: number; offset: number },
  ): Promise<{ items: OrgRow[]; total: number }> {
    let q = db.selectFrom('organizations');
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.province_code) q = q.where('province_code', '=', f.province_code);
    if (f.ids) q = q.where('id', 'in', f.ids.length ? f.ids : ['00000000-0000-0000-0000-000000000000']);
    if (f.q) {
      const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('short_code', 'ilike', like), eb('name_en', 'ilike', like)]));
    }
    const [items, count] = await Promise.all([
      q.selectAll().orderBy('kind').orderBy('province_code').orderBy('short_code').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: items.map(fix), total: Number(count.n) };
  },

  async all(db: Executor): Promise<OrgRow[]> {
    return (await db.selectFrom('organizations').selectAll().orderBy('short_code').execute()).map(fix);
  },

  async scopesOf(db: Executor, orgIds: string[]): Promise<ScopeRow[]> {
    if (orgIds.length === 0) return [];
    return db.selectFrom('org_scopes').select(['org_id', 'kind', 'value']).where('org_id', 'in', orgIds).orderBy('id').execute();
  },

  async allScopes(db: Executor): Promise<ScopeRow[]> {
    return db
      .selectFrom('org_scopes as s')
      .innerJoin('organizations as o', 'o.id', 's.org_id')
      .select(['s.org_id', 's.kind', 's.value'])
      .where('o.status', '=', 'active')
      .orderBy('s.id')
      .execute();
  },

  async replaceScopes(tx: Executor, orgId: string, scopes: { kind: string; value: string }[]): Promise<void> {
    await tx.deleteFrom('org_scopes').where('org_id', '=', orgId).execute();
    if (scopes.length) await tx.insertInto('org_scopes').values(scopes.map((s) => ({ org_id: orgId, ...s }))).execute();
  },
};
