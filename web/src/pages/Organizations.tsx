/** The organization directory (Art. 5): responsible department, person and contacts. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { DataTable } from '../components/DataTable';
import { Card, Definition, ErrorBox, Loading, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import { ORG_KINDS, type Organization } from '../lib/domain';
import { formatTime, shown } from '../lib/format';
import { useApi, useDebounced, useLabels } from '../lib/hooks';
import { can, useMe } from '../lib/session';
import { EnumSelect, ProvinceSelect } from './filters';

const PAGE = 25;

export function OrganizationsPage() {
  const { t } = useTranslation();
  const labels = useLabels();
  const en = useEnum();
  const [kind, setKind] = useState('');
  const [province, setProvince] = useState('');
  const [q, setQ] = useState('');
  const dq = useDebounced(q);
  const [offset, setOffset] = useState(0);
  const res = useApi(() => api.get<{ items: Organization[]; total: number }>('/api/v1/organizations', { kind, province_code: province, q: dq, limit: PAGE, offset }), [kind, province, dq, offset]);
  const total = res.data?.total ?? 0;
  return (
    <>
      <PageHeader title={t('orgs.title')}>{t('orgs.subtitle')}</PageHeader>
      <div className="filters">
        <label className="filter" htmlFor="f-orgq">
          <span>{t('orgs.search')}</span>
          <input id="f-orgq" value={q} onChange={(e) => (setQ(e.target.value), setOffset(0))} />
        </label>
        <EnumSelect id="f-kind" group="orgKind" values={ORG_KINDS} value={kind} onChange={(v) => (setKind(v), setOffset(0))} label={t('orgs.kind')} />
        <ProvinceSelect value={province} onChange={(v) => (setProvince(v), setOffset(0))} />
      </div>
      <ErrorBox error={res.error} />
      <DataTable
        caption={t('orgs.title')}
        rows={res.data?.items ?? []}
        rowKey={(o) => o.id}
        loading={res.loading}
        page={offset / PAGE + 1}
        total={total}
        hasPrev={offset > 0}
        hasNext={offset + PAGE < total}
        onPrev={() => setOffset(Math.max(0, offset - PAGE))}
        onNext={() => setOffset(offset + PAGE)}
        columns={[
          { key: 'name', header: t('orgs.name'), render: (o) => <Link to={`/organizations/${o.id}`}>{labels.orgName(o)}</Link> },
          { key: 'kind', header: t('orgs.kind'), render: (o) => en('orgKind', o.kind) },
          { key: 'province', header: t('common.province'), render: (o) => labels.province(o.province_code) },
          { key: 'dept', header: t('orgs.department'), render: (o) => o.responsible_department },
          { key: 'person', header: t('orgs.person'), render: (o) => shown(o.responsible_person?.name) },
          { key: 'phone', header: t('orgs.phone'), render: (o) => shown(o.responsible_person?.phone) },
        ]}
      />
    </>
  );
}

export function OrganizationDetailPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const labels = useLabels();
  const en = useEnum();
  const res = useApi(() => api.get<Organization>(`/api/v1/organizations/${id}`), [id]);
  const [editing, setEditing] = useState(false);
  if (res.loading) return <Loading />;
  if (res.error || !res.data) return <ErrorBox error={res.error} />;
  const o = res.data;
  const mayEdit = (me.org_id === o.id && me.roles.includes('admin')) || (can.isRegulator(me) && me.roles.includes('admin'));
  return (
    <>
      <PageHeader
        title={labels.orgName(o)}
        actions={
          <>
            {mayEdit && !editing && (
              <button type="button" onClick={() => setEditing(true)}>
                {t('orgs.editContacts')}
              </button>
            )}
            {can.audit(me) && <Link to={`/audit/organization/${o.id}`}>{t('audit.viewTrail')}</Link>}
          </>
        }
      >
        {en('orgKind', o.kind)} · {labels.province(o.province_code)} · <code>{o.short_code}</code>
      </PageHeader>
      {editing ? (
        <ContactsForm org={o} onDone={() => (setEditing(false), res.reload())} />
      ) : (
        <div className="grid-2">
          <Card title={t('orgs.responsible')}>
            <Definition
              items={[
                [t('orgs.department'), o.responsible_department],
                [t('orgs.person'), shown(o.responsible_person?.name)],
                [t('orgs.phone'), shown(o.responsible_person?.phone)],
                [t('orgs.email'), shown(o.responsible_person?.email)],
                [t('orgs.status'), en('orgStatus', o.status)],
                [t('orgs.cii'), o.is_cii ? t('common.yes') : t('common.no')],
                [t('orgs.updatedAt'), formatTime(o.updated_at)],
              ]}
            />
          </Card>
          <Card title={t('orgs.contacts')}>
            {o.contacts.length === 0 ? (
              <p className="muted">{t('common.none')}</p>
            ) : (
              <table className="data compact">
                <thead>
                  <tr>
                    <th>{t('orgs.name')}</th>
                    <th>{t('orgs.role')}</th>
                    <th>{t('orgs.phone')}</th>
                    <th>{t('orgs.email')}</th>
                  </tr>
                </thead>
                <tbody>
                  {o.contacts.map((c, i) => (
                    <tr key={i}>
                      <td>{c.name}</td>
                      <td>{c.role ?? '—'}</td>
                      <td>{c.phone ? <a href={`tel:${c.phone.replace(/\s/g, '')}`}>{c.phone}</a> : '—'}</td>
                      <td>{c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title={t('orgs.scopes')}>
            {o.scopes.length === 0 ? (
              <p className="muted">{t('common.none')}</p>
            ) : (
              <ul className="mono">
                {o.scopes.slice(0, 200).map((s, i) => (
                  <li key={i}>
                    {en('scopeKind', s.kind)}: {s.value}
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      )}
    </>
  );
}

function ContactsForm({ org, onDone }: { org: Organization; onDone: () => void }) {
  const { t } = useTranslation();
  const [dept, setDept] = useState(org.responsible_department);
  const [person, setPerson] = useState(org.responsible_person);
  const [contacts, setContacts] = useState(org.contacts.map((c) => ({ ...c })));
  const [error, setError] = useState<unknown>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const clean = contacts.filter((c) => c.name.trim()).map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== '' && v !== undefined)));
      await api.put(`/api/v1/organizations/${org.id}/contacts`, { responsible_department: dept, responsible_person: person, contacts: clean });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={save}>
      <Card title={t('orgs.editContacts')}>
        <div className="row-2">
          <label>
            {t('orgs.department')}
            <input value={dept} onChange={(e) => setDept(e.target.value)} required />
          </label>
          <label>
            {t('orgs.person')}
            <input value={person.name} onChange={(e) => setPerson({ ...person, name: e.target.value })} required />
          </label>
          <label>
            {t('orgs.phone')}
            <input value={person.phone} onChange={(e) => setPerson({ ...person, phone: e.target.value })} required />
          </label>
          <label>
            {t('orgs.email')}
            <input type="email" value={person.email} onChange={(e) => setPerson({ ...person, email: e.target.value })} required />
          </label>
        </div>
        <h3>{t('orgs.contacts')}</h3>
        {contacts.map((c, i) => (
          <div className="row-4" key={i}>
            {(['name', 'role', 'phone', 'email'] as const).map((k) => (
              <input key={k} aria-label={t(`orgs.${k}`)} placeholder={t(`orgs.${k}`)} value={c[k] ?? ''} onChange={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, [k]: e.target.value } : x)))} />
            ))}
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setContacts([...contacts, { name: '', role: '', phone: '', email: '' }])}>
          + {t('orgs.addContact')}
        </button>
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="submit">{t('common.save')}</button>
          <button type="button" className="secondary" onClick={onDone}>
            {t('common.cancel')}
          </button>
        </div>
      </Card>
    </form>
  );
}
