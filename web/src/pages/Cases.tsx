/** Threat cases: the identification queue for institutions, the jurisdiction's cases for regulators. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { DataTable, type Sort } from '../components/DataTable';
import { OrgName } from '../components/OrgName';
import { Badge, ErrorBox, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import { CASE_STATES, type ThreatCase } from '../lib/domain';
import { formatTime } from '../lib/format';
import { useApi, useCursorPages, useLabels, cursorPaging } from '../lib/hooks';
import { can, useMe } from '../lib/session';
import { CategorySelect, EnumSelect, ProvinceSelect } from './filters';

const PAGE = 25;

export function CasesPage() {
  const { t } = useTranslation();
  const me = useMe();
  const labels = useLabels();
  const en = useEnum();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const [category, setCategory] = useState('');
  const [province, setProvince] = useState('');
  const [queueOnly, setQueueOnly] = useState(can.isInstitution(me));
  const [sort, setSort] = useState<Sort>({ key: 'opened_at', dir: 'desc' });
  const pages = useCursorPages<string>();
  const res = useApi(
    () =>
      api.get<{ items: ThreatCase[]; next: string | null }>('/api/v1/cases', {
        state,
        category,
        province_code: province,
        queue: queueOnly || undefined,
        sort: sort.key,
        order: sort.dir,
        before: pages.cursor,
        limit: PAGE,
      }),
    [state, category, province, queueOnly, sort.key, sort.dir, pages.cursor],
  );
  const rows = res.data?.items ?? [];
  return (
    <>
      <PageHeader title={can.isInstitution(me) ? t('nav.identificationQueue') : t('nav.cases')}>{t('cases.subtitle')}</PageHeader>
      <div className="filters">
        <EnumSelect id="f-state" group="caseState" values={CASE_STATES} value={state} onChange={(v) => (setParams(v ? { state: v } : {}), pages.reset())} label={t('cases.state')} />
        <CategorySelect value={category} onChange={(v) => (setCategory(v), pages.reset())} />
        {me.org_kind !== 'regulator_provincial' && !can.isUnit(me) && <ProvinceSelect value={province} onChange={(v) => (setProvince(v), pages.reset())} />}
        {can.isInstitution(me) && (
          <label className="check">
            <input type="checkbox" checked={queueOnly} onChange={(e) => (setQueueOnly(e.target.checked), pages.reset())} /> {t('cases.queueOnly')}
          </label>
        )}
      </div>
      <ErrorBox error={res.error} />
      <DataTable
        caption={t('nav.cases')}
        rows={rows}
        rowKey={(c) => c.id}
        loading={res.loading}
        {...cursorPaging(pages, res.data?.next)}
        sort={sort}
        onSort={(s) => (setSort(s), pages.reset())}
        columns={[
          { key: 'opened_at', header: t('cases.openedAt'), render: (c) => formatTime(c.opened_at), sortable: true },
          { key: 'title', header: t('reports.reportTitle'), render: (c) => <Link to={`/cases/${c.id}`}>{c.title}</Link> },
          { key: 'category', header: t('reports.category'), render: (c) => labels.subtype(c.category, c.subtype) },
          { key: 'state', header: t('cases.state'), render: (c) => <Badge kind={c.state}>{en('caseState', c.state)}</Badge>, sortable: true, firstDir: 'asc' },
          { key: 'severity', header: t('cases.severity'), render: (c) => (c.severity ? <Badge kind={`sev-${c.severity}`}>{en('severity', c.severity)}</Badge> : '—'), sortable: true },
          { key: 'province_code', header: t('common.province'), render: (c) => (c.province_code ? labels.province(c.province_code) : t('dashboard.national')), sortable: true, firstDir: 'asc' },
          { key: 'assigned', header: t('cases.assignedTo'), render: (c) => <OrgName id={c.assigned_org_id} /> },
        ]}
      />
    </>
  );
}
