/** Reports (报送): the list, paged by keyset on the server, and one report with its observables. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { DataTable, type Sort } from '../components/DataTable';
import { OrgName } from '../components/OrgName';
import { Badge, Card, Definition, ErrorBox, Loading, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import type { Report } from '../lib/domain';
import { formatTime, shown } from '../lib/format';
import { EvidenceLink } from '../components/EvidenceLink';
import { useApi, useCursorPages, useDebounced, useLabels, cursorPaging } from '../lib/hooks';
import { can, useMe } from '../lib/session';
import { CategorySelect, ProvinceSelect } from './filters';

export function ReportsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const labels = useLabels();
  const [category, setCategory] = useState('');
  const [province, setProvince] = useState('');
  const [q, setQ] = useState('');
  const dq = useDebounced(q.trim());
  const [sort, setSort] = useState<Sort>({ key: 'received_at', dir: 'desc' });
  const pages = useCursorPages<string>();
  const res = useApi(
    () =>
      api.get<{ items: Report[]; next: string | null }>('/api/v1/reports', {
        category,
        province_code: province,
        q: dq,
        sort: sort.key,
        order: sort.dir,
        before: pages.cursor,
        limit: 25,
      }),
    [category, province, dq, sort.key, sort.dir, pages.cursor],
  );
  const rows = res.data?.items ?? [];
  return (
    <>
      <PageHeader
        title={t('reports.title')}
        actions={
          can.report(me) && (
            <>
              <Link className="button" to="/reports/new">
                {t('nav.submitReport')}
              </Link>
              <Link className="button secondary" to="/imports/new">
                {t('nav.bulkImport')}
              </Link>
            </>
          )
        }
      >
        {t('reports.subtitle')}
      </PageHeader>
      <div className="filters">
        <label className="filter grow" htmlFor="r-q">
          <span>{t('reports.search')}</span>
          <input id="r-q" type="search" value={q} onChange={(e) => (setQ(e.target.value), pages.reset())} placeholder={t('reports.searchPlaceholder')} data-testid="report-search" />
        </label>
        <CategorySelect value={category} onChange={(v) => (setCategory(v), pages.reset())} />
        {me.org_kind !== 'regulator_provincial' && <ProvinceSelect value={province} onChange={(v) => (setProvince(v), pages.reset())} />}
      </div>
      <ErrorBox error={res.error} />
      <DataTable
        caption={t('reports.title')}
        rows={rows}
        rowKey={(r) => r.id}
        loading={res.loading}
        {...cursorPaging(pages, res.data?.next)}
        sort={sort}
        onSort={(s) => (setSort(s), pages.reset())}
        columns={[
          { key: 'received_at', header: t('reports.receivedAt'), render: (r) => formatTime(r.received_at), sortable: true },
          { key: 'title', header: t('reports.reportTitle'), render: (r) => <Link to={`/reports/${r.id}`}>{r.title}</Link> },
          { key: 'category', header: t('reports.category'), render: (r) => `${labels.category(r.category)} / ${labels.subtype(r.category, r.subtype)}`, sortable: true, firstDir: 'asc' },
          { key: 'province_code', header: t('common.province'), render: (r) => labels.province(r.province_code), sortable: true, firstDir: 'asc' },
          { key: 'org', header: t('reports.reporter'), render: (r) => (r.org_id ? <OrgName id={r.org_id} /> : <span className="muted">{t('reports.anonymous')}</span>) },
          { key: 'count', header: t('reports.observables'), render: (r) => r.observable_count, className: 'num' },
          { key: 'tlp', header: 'TLP', render: (r) => <Badge kind={`tlp-${r.tlp.replace('+', '-')}`}>TLP:{r.tlp.toUpperCase()}</Badge> },
        ]}
      />
    </>
  );
}

export function ReportDetailPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const labels = useLabels();
  const en = useEnum();
  const res = useApi(() => api.get<Report>(`/api/v1/reports/${id}`), [id]);
  if (res.loading) return <Loading />;
  if (res.error || !res.data) return <ErrorBox error={res.error} />;
  const r = res.data;
  return (
    <>
      <PageHeader title={r.title} actions={<Link to={`/audit/report/${r.id}`}>{t('audit.viewTrail')}</Link>}>
        {labels.category(r.category)} / {labels.subtype(r.category, r.subtype)}
      </PageHeader>
      <div className="grid-2">
        <Card title={t('reports.details')}>
          <Definition
            items={[
              [t('reports.receivedAt'), formatTime(r.received_at)],
              [t('reports.discoveredAt'), formatTime(r.discovered_at)],
              [t('reports.reporter'), r.org_id ? <OrgName id={r.org_id} /> : t('reports.anonymous')],
              [t('common.province'), labels.province(r.province_code)],
              ['TLP', `TLP:${r.tlp.toUpperCase()}`],
              [t('reports.selfHandled'), r.self_handled ? t('common.yes') : t('common.no')],
              [t('reports.affectedParty'), r.affected_party ? `${r.affected_party.name ?? ''} ${r.affected_party.kind ? `(${en('affectedKind', r.affected_party.kind)})` : ''}` : '—'],
              [t('reports.version'), r.version],
            ]}
          />
          {r.description && <p className="prewrap">{r.description}</p>}
        </Card>
        <Card title={t('reports.evidence')}>
          {r.evidence_sha256.length === 0 ? (
            <p className="muted">{t('common.none')}</p>
          ) : (
            <ul className="mono">
              {r.evidence_sha256.map((h) => (
                <li key={h}>
                  <EvidenceLink sha256={h} />
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <Card title={`${t('reports.observables')} (${r.observable_count})`}>
        <table className="data compact">
          <thead>
            <tr>
              <th>{t('indicators.type')}</th>
              <th>{t('indicators.value')}</th>
            </tr>
          </thead>
          <tbody>
            {(r.observables ?? []).map((o, i) => (
              <tr key={i}>
                <td>{en('observableType', o.type)}</td>
                <td className="mono">{o.id ? <Link to={`/indicators/${o.id}`}>{shown(o.value)}</Link> : shown(o.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}
