/** Indicator lookup (one value or a batch) and search of the indicator store, paged on the server. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { DataTable } from '../components/DataTable';
import { OrgName } from '../components/OrgName';
import { Badge, Card, Definition, ErrorBox, Loading, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import { OBSERVABLE_TYPES, type Indicator, type Notice } from '../lib/domain';
import { formatTime, shown } from '../lib/format';
import { useApi, useCursorPages, useDebounced, useLabels, cursorPaging } from '../lib/hooks';
import { CategorySelect, EnumSelect, ProvinceSelect } from './filters';

interface LookupResult {
  query: string;
  type: string | null;
  value: string | null;
  known: boolean;
  indicator?: Indicator;
  error?: { code: string; message: string };
}

/**
 * The values in a paste: one per line, or separated by commas, semicolons or tabs (as copied
 * from a spreadsheet or a report); a line of several space-separated values splits on spaces too,
 * except where the spaces belong to the value (a phone number "+86 138 0013 8000"). The server
 * re-fangs defanged values (hxxp://, example[.]com).
 */
export function splitPaste(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/[\r\n,;，；\t]+/)) {
    const v = piece.trim();
    if (!v) continue;
    if (/^\+?[\d\s()-]+$/.test(v)) out.push(v);
    else out.push(...v.split(/\s+/).filter(Boolean));
  }
  return [...new Set(out)];
}

const STATUSES = ['active', 'handled', 'expired', 'false_positive', 'withdrawn'];

export function IndicatorsPage() {
  const { t } = useTranslation();
  const labels = useLabels();
  const en = useEnum();
  const [lookupText, setLookupText] = useState('');
  const [results, setResults] = useState<LookupResult[] | null>(null);
  const [lookupError, setLookupError] = useState<unknown>(null);
  const [type, setType] = useState('');
  const [status, setStatus] = useState('');
  const [category, setCategory] = useState('');
  const [province, setProvince] = useState('');
  const [q, setQ] = useState('');
  const dq = useDebounced(q);
  const pages = useCursorPages<number>();
  const res = useApi(
    () => api.get<{ items: Indicator[]; next_before_id: number | null }>('/api/v1/indicators', { type, status, category, province_code: province, q: dq, before_id: pages.cursor, limit: 25 }),
    [type, status, category, province, dq, pages.cursor],
  );

  const lookup = async (e: FormEvent) => {
    e.preventDefault();
    setLookupError(null);
    const values = splitPaste(lookupText);
    if (!values.length) return;
    try {
      if (values.length === 1) setResults([await api.get<LookupResult>('/api/v1/indicators/lookup', { value: values[0] })]);
      else setResults((await api.post<{ results: LookupResult[] }>('/api/v1/indicators/lookup', { values: values.slice(0, 10000) })).results);
    } catch (err) {
      setLookupError(err);
    }
  };
  const reset = (f: (v: string) => void) => (v: string) => (f(v), pages.reset());

  return (
    <>
      <PageHeader title={t('indicators.title')}>{t('indicators.subtitle')}</PageHeader>
      <Card title={t('indicators.lookup')}>
        <form onSubmit={lookup} className="lookup">
          <textarea
            aria-label={t('indicators.lookupLabel')}
            placeholder={t('indicators.lookupPlaceholder')}
            rows={2}
            className="mono"
            value={lookupText}
            onChange={(e) => setLookupText(e.target.value)}
            data-testid="lookup-input"
          />
          <button type="submit" data-testid="lookup-submit">
            {t('indicators.lookupButton')}
          </button>
        </form>
        <ErrorBox error={lookupError} />
        {results && (
          <table className="data compact" data-testid="lookup-results">
            <thead>
              <tr>
                <th>{t('indicators.query')}</th>
                <th>{t('indicators.type')}</th>
                <th>{t('indicators.canonical')}</th>
                <th>{t('indicators.verdict')}</th>
              </tr>
            </thead>
            <tbody>
              {results.map((r, i) => (
                <tr key={i}>
                  <td className="mono">{r.query}</td>
                  <td>{en('observableType', r.type)}</td>
                  <td className="mono">{r.value ?? '—'}</td>
                  <td>
                    {r.error ? (
                      <span className="bad">{r.error.message}</span>
                    ) : r.known && r.indicator ? (
                      <Link to={`/indicators/${r.indicator.id}`}>
                        <Badge kind="danger">{t('indicators.known')}</Badge> {labels.category(r.indicator.category)} / {labels.subtype(r.indicator.category, r.indicator.subtype)} · {en('indicatorStatus', r.indicator.status)}
                      </Link>
                    ) : (
                      <Badge kind="ok">{t('indicators.unknown')}</Badge>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <div className="filters">
        <label className="filter" htmlFor="f-q">
          <span>{t('indicators.prefix')}</span>
          <input id="f-q" className="mono" value={q} onChange={(e) => (setQ(e.target.value), pages.reset())} placeholder={t('indicators.searchPlaceholder')} />
        </label>
        <EnumSelect id="f-type" group="observableType" values={OBSERVABLE_TYPES} value={type} onChange={reset(setType)} label={t('indicators.type')} />
        <EnumSelect id="f-status" group="indicatorStatus" values={STATUSES} value={status} onChange={reset(setStatus)} label={t('indicators.status')} />
        <CategorySelect value={category} onChange={reset(setCategory)} />
        <ProvinceSelect value={province} onChange={reset(setProvince)} />
      </div>
      <ErrorBox error={res.error} />
      <DataTable
        caption={t('indicators.title')}
        rows={res.data?.items ?? []}
        rowKey={(r) => r.id}
        loading={res.loading}
        {...cursorPaging(pages, res.data?.next_before_id)}
        columns={[
          { key: 'value', header: t('indicators.value'), render: (r) => <Link className="mono" to={`/indicators/${r.id}`}>{shown(r.value)}</Link> },
          { key: 'type', header: t('indicators.type'), render: (r) => en('observableType', r.type) },
          { key: 'category', header: t('reports.category'), render: (r) => labels.subtype(r.category, r.subtype) },
          { key: 'status', header: t('indicators.status'), render: (r) => <Badge kind={r.status}>{en('indicatorStatus', r.status)}</Badge> },
          { key: 'province', header: t('common.province'), render: (r) => labels.province(r.province_code) },
          { key: 'operator', header: t('indicators.operator'), render: (r) => en('operator', r.operator) },
          { key: 'sightings', header: t('indicators.sightings'), render: (r) => r.sighting_count, className: 'num' },
          { key: 'last_seen', header: t('indicators.lastSeen'), render: (r) => formatTime(r.last_seen) },
        ]}
      />
    </>
  );
}

export function IndicatorDetailPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const labels = useLabels();
  const en = useEnum();
  const res = useApi(() => api.get<Indicator>(`/api/v1/indicators/${id}`), [id]);
  if (res.loading) return <Loading />;
  if (res.error || !res.data) return <ErrorBox error={res.error} />;
  const i = res.data;
  return (
    <>
      <PageHeader title={shown(i.value)} actions={<Link to={`/audit/indicator/${i.id}`}>{t('audit.viewTrail')}</Link>}>
        {en('observableType', i.type)} · {labels.category(i.category)} / {labels.subtype(i.category, i.subtype)}
      </PageHeader>
      <div className="grid-2">
        <Card title={t('indicators.details')}>
          <Definition
            items={[
              [t('indicators.status'), <Badge kind={i.status}>{en('indicatorStatus', i.status)}</Badge>],
              ['TLP', `TLP:${i.tlp.toUpperCase()}`],
              [t('common.province'), labels.province(i.province_code)],
              [t('indicators.operator'), en('operator', i.operator)],
              [t('indicators.responsible'), <OrgName id={i.responsible_org_id} />],
              [t('indicators.firstSeen'), formatTime(i.first_seen)],
              [t('indicators.lastSeen'), formatTime(i.last_seen)],
              [t('indicators.sightings'), i.sighting_count],
              [t('indicators.validUntil'), formatTime(i.valid_until)],
              [t('indicators.excluded'), i.excluded ? t('common.yes') : t('common.no')],
            ]}
          />
        </Card>
        <Correlation indicatorId={i.id} reporters={i.reporters ?? []} responsible={i.responsible_org_id ?? null} />
        <Card title={t('indicators.reporters')}>
          <table className="data compact">
            <thead>
              <tr>
                <th>{t('indicators.seenAt')}</th>
                <th>{t('reports.reporter')}</th>
                <th>{t('reports.subtype')}</th>
              </tr>
            </thead>
            <tbody>
              {(i.reporters ?? []).map((r, k) => (
                <tr key={k}>
                  <td>{r.report_id ? <Link to={`/reports/${r.report_id}`}>{formatTime(r.seen_at)}</Link> : formatTime(r.seen_at)}</td>
                  <td>{r.org_id ? <OrgName id={r.org_id} /> : <span className="muted">{t('reports.anonymous')}</span>}</td>
                  <td>{labels.subtype(r.category, r.subtype)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
    </>
  );
}

/**
 * Which cases, notices and units share this one value: the cases whose reports saw it (with the
 * API's own visibility), their notices and the units they went to, and the reporting units.
 */
function Correlation({ indicatorId, reporters, responsible }: { indicatorId: string | number; reporters: { org_id: string | null }[]; responsible: string | null }) {
  const { t } = useTranslation();
  const en = useEnum();
  const res = useApi(async () => {
    const cases = (await api.get<{ items: { id: string; title: string; state: string }[] }>('/api/v1/cases', { indicator_id: indicatorId, limit: 20 })).items;
    const notices = (
      await Promise.all(cases.slice(0, 10).map((c) => api.get<{ items: Notice[] }>('/api/v1/notices', { case_id: c.id, limit: 20 }).then((r) => r.items).catch(() => [] as Notice[])))
    ).flat();
    return { cases, notices };
  }, [indicatorId]);
  const units = [...new Set([...reporters.map((r) => r.org_id).filter((x): x is string => !!x), ...(responsible ? [responsible] : []), ...(res.data?.notices ?? []).map((n) => n.recipient_org_id)])];
  return (
    <Card title={t('indicators.correlation')}>
      <div data-testid="correlation">
        <ErrorBox error={res.error} />
        {res.loading && <Loading />}
        {res.data && (
          <>
            <h3>
              {t('nav.cases')} <span className="muted">({res.data.cases.length})</span>
            </h3>
            {res.data.cases.length === 0 ? (
              <p className="muted small">{t('common.none')}</p>
            ) : (
              <ul>
                {res.data.cases.map((c) => (
                  <li key={c.id}>
                    <Link to={`/cases/${c.id}`}>{c.title}</Link> <Badge kind={c.state}>{en('caseState', c.state)}</Badge>
                  </li>
                ))}
              </ul>
            )}
            <h3>
              {t('nav.notices')} <span className="muted">({res.data.notices.length})</span>
            </h3>
            {res.data.notices.length === 0 ? (
              <p className="muted small">{t('common.none')}</p>
            ) : (
              <ul>
                {res.data.notices.map((n) => (
                  <li key={n.id}>
                    <Link to={`/notices/${n.id}`}>{en('measure', n.measure)}</Link> · <OrgName id={n.recipient_org_id} /> <Badge kind={n.state}>{en('noticeState', n.state)}</Badge>
                  </li>
                ))}
              </ul>
            )}
            <h3>
              {t('indicators.units')} <span className="muted">({units.length})</span>
            </h3>
            <ul>
              {units.map((u) => (
                <li key={u}>
                  <OrgName id={u} />
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </Card>
  );
}
