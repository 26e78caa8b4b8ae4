/**
 * The dashboard: threats by Article 2 category, by province and over time; handling times against
 * their targets (Art. 4); and the work waiting for the signed-in user.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Chart } from '../components/Chart';
import { Card, ErrorBox, Loading, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import { OVERDUE_RATE_TARGET, TIMING_TARGETS_HOURS, type Notice, type ThreatCase } from '../lib/domain';
import { formatHours, formatTime } from '../lib/format';
import { useApi, useLabels } from '../lib/hooks';
import { can, useMe, type SessionInfo } from '../lib/session';

interface TimingGroup {
  key: string | null;
  cases: number;
  time_to_identify: { median: number | null; p90: number | null };
  time_to_decide: { median: number | null; p90: number | null };
  time_to_handle: { median: number | null; p90: number | null };
  notices: number;
  overdue: number;
  overdue_rate: number | null;
}

/** The dashboard's window: threats reported in the last WINDOW_DAYS days, counted by the server. */
const WINDOW_DAYS = 30;

interface Count {
  key: string | null;
  count: number;
}
interface ThreatCounts {
  total: number;
  by_category: Count[];
  by_province: Count[];
  by_day: Count[];
}

export function DashboardPage() {
  const { t } = useTranslation();
  const me = useMe();
  const labels = useLabels();
  const threats = useApi(() => api.get<ThreatCounts>('/api/v1/stats/threats', { days: WINDOW_DAYS }), []);
  // Timing figures are for regulators and institutions (the API refuses the rest): a unit's
  // dashboard never asks for them and shows its own notices instead.
  const seesTiming = can.isRegulator(me) || can.isInstitution(me);
  const timing = useApi(seesTiming ? () => api.get<{ groups: TimingGroup[] }>('/api/v1/stats/timing', { group_by: 'category' }) : null, [seesTiming]);
  const unitNotices = useApi(
    can.isUnit(me)
      ? async () => {
          const n = async (state: string) => (await api.get<{ items: Notice[] }>('/api/v1/notices', { state, limit: 100 })).items.length;
          const [issued, delivered, sentBack, overdue] = await Promise.all([n('issued'), n('delivered'), n('sent_back'), n('overdue')]);
          return { open: issued + delivered + sentBack, toAcknowledge: issued, overdue };
        }
      : null,
    [me.user_id],
  );
  const health = useApi(() => api.get<{ indicators: number }>('/healthz').catch(() => ({ indicators: 0 })), []);

  const counts = threats.data;
  const byCategory = useMemo(() => toMap(counts?.by_category ?? [], 'other'), [counts]);
  const byProvince = useMemo(() => toMap(counts?.by_province ?? [], 'national'), [counts]);
  // The server lists every day of the window (zero when quiet), in Beijing time.
  const byDay = useMemo(() => [...toMap(counts?.by_day ?? [], '').entries()].sort(([a], [b]) => a.localeCompare(b)), [counts]);

  const categoryOption = useMemo(
    () => ({
      tooltip: { trigger: 'item' as const },
      legend: { bottom: 0, left: 0, right: 0, type: 'scroll' as const, textStyle: { width: 120, overflow: 'truncate' as const } },
      series: [
        {
          type: 'pie' as const,
          radius: ['36%', '62%'],
          center: ['50%', '42%'],
          label: { formatter: '{c}' },
          data: [...byCategory.entries()].map(([k, v]) => ({ name: labels.category(k), value: v })),
        },
      ],
    }),
    [byCategory, labels.zh, labels.taxonomy],
  );
  const provinceOption = useMemo(() => {
    const rows = [...byProvince.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    return {
      tooltip: { trigger: 'axis' as const },
      grid: { left: 90, right: 20, top: 10, bottom: 24 },
      xAxis: { type: 'value' as const, minInterval: 1 },
      yAxis: { type: 'category' as const, inverse: true, data: rows.map(([k]) => (k === 'national' ? t('dashboard.national') : labels.province(k))) },
      series: [{ type: 'bar' as const, data: rows.map(([, v]) => v), itemStyle: { color: '#2f6fb3' } }],
    };
  }, [byProvince, labels.zh, labels.provinces, t]);
  const timeOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' as const },
      grid: { left: 40, right: 20, top: 16, bottom: 30 },
      xAxis: { type: 'category' as const, data: byDay.map(([d]) => d.slice(5)), name: t('time.zone'), nameLocation: 'middle' as const, nameGap: 22, nameTextStyle: { color: '#5f6b7a', fontSize: 11 } },
      yAxis: { type: 'value' as const, minInterval: 1 },
      series: [{ type: 'line' as const, smooth: false, showSymbol: false, areaStyle: { opacity: 0.15 }, data: byDay.map(([, v]) => v), name: t('dashboard.reports') }],
    }),
    [byDay, t],
  );

  const all = timing.data?.groups ?? [];
  const overall = useMemo(() => summarize(all), [all]);
  const timingOption = useMemo(() => {
    const names = [t('dashboard.timeToIdentify'), t('dashboard.timeToDecide'), t('dashboard.timeToHandle')];
    // Medians of minutes beside targets of 24 h and more would be invisible on a linear axis: the
    // axis is logarithmic, and a median under a minute is drawn at the axis floor.
    const floor = 1 / 60;
    const medians = [overall.identify, overall.decide, overall.handle].map((s) => (s === null ? null : Math.max(floor, +(s / 3600).toFixed(3))));
    return {
      tooltip: { trigger: 'axis' as const, valueFormatter: (v: unknown) => (typeof v === 'number' ? formatHours(v) : '—') },
      legend: { bottom: 0, type: 'scroll' as const },
      grid: { left: 50, right: 20, top: 24, bottom: 50 },
      xAxis: { type: 'category' as const, data: names, axisLabel: { interval: 0, width: 90, overflow: 'break' as const } },
      yAxis: { type: 'log' as const, logBase: 10, min: floor, name: t('dashboard.hoursLog'), axisLabel: { formatter: (v: number) => (v < 1 ? `${Math.round(v * 60)}m` : `${v}h`) } },
      series: [
        { type: 'bar' as const, name: t('dashboard.median'), data: medians, itemStyle: { color: '#2f6fb3' } },
        { type: 'bar' as const, name: t('dashboard.target'), data: [TIMING_TARGETS_HOURS.identify, TIMING_TARGETS_HOURS.decide, TIMING_TARGETS_HOURS.handle], itemStyle: { color: '#c9d3df' } },
      ],
    };
  }, [overall, t]);

  return (
    <>
      <PageHeader title={t('dashboard.title')}>{t('dashboard.subtitle')}</PageHeader>
      <div className="kpis" data-testid="kpis">
        <Kpi label={can.isUnit(me) ? t('dashboard.ownReports') : t('dashboard.recentReports')} value={counts?.total ?? '—'} hint={t('dashboard.windowNote', { days: WINDOW_DAYS })} />
        <Kpi label={t('dashboard.indicatorsInStore')} value={health.data?.indicators ?? '—'} />
        {seesTiming ? (
          <>
            <Kpi label={t('dashboard.casesMeasured')} value={overall.cases} />
            <Kpi
              label={t('dashboard.overdueNotices')}
              value={`${overall.overdue} / ${overall.notices}`}
              hint={t('dashboard.overdueTarget', { pct: OVERDUE_RATE_TARGET * 100 })}
              bad={overall.notices > 0 && overall.overdue / overall.notices > OVERDUE_RATE_TARGET}
            />
          </>
        ) : (
          <>
            <Kpi label={t('dashboard.openNotices')} value={unitNotices.data ? atMost(unitNotices.data.open) : '—'} hint={t('dashboard.toAcknowledgeHint', { n: unitNotices.data ? atMost(unitNotices.data.toAcknowledge) : '—' })} />
            <Kpi label={t('dashboard.ownOverdue')} value={unitNotices.data ? atMost(unitNotices.data.overdue) : '—'} bad={!!unitNotices.data?.overdue} />
          </>
        )}
      </div>
      <ErrorBox error={unitNotices.error} />
      <div className={seesTiming ? 'grid-2' : ''}>
        <WorkWaiting me={me} />
        {seesTiming && <Card title={t('dashboard.handlingAgainstTargets')}>
          <ErrorBox error={timing.error} />
          {timing.loading ? <Loading /> : <Chart option={timingOption} height={240} label={t('dashboard.handlingAgainstTargets')} />}
          <div className="table-scroll">
          <table className="data compact">
            <thead>
              <tr>
                <th>{t('dashboard.category')}</th>
                <th>{t('dashboard.cases')}</th>
                <th>{t('dashboard.timeToIdentify')}</th>
                <th>{t('dashboard.timeToDecide')}</th>
                <th>{t('dashboard.timeToHandle')}</th>
                <th>{t('dashboard.overdue')}</th>
              </tr>
            </thead>
            <tbody>
              {all.map((g) => (
                <tr key={g.key ?? 'none'}>
                  <td>{g.key ? labels.category(g.key) : '—'}</td>
                  <td>{g.cases}</td>
                  <TimingCell s={g.time_to_identify.median} target={TIMING_TARGETS_HOURS.identify} />
                  <TimingCell s={g.time_to_decide.median} target={TIMING_TARGETS_HOURS.decide} />
                  <TimingCell s={g.time_to_handle.median} target={TIMING_TARGETS_HOURS.handle} />
                  <td>
                    {g.overdue} / {g.notices}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </Card>}
      </div>
      <ErrorBox error={threats.error} />
      <div className={seesTiming ? 'grid-3' : 'grid-2'}>
        <Card title={t('dashboard.byCategory')}>{threats.loading ? <Loading /> : <Chart option={categoryOption} label={t('dashboard.byCategory')} />}</Card>
        {seesTiming && <Card title={t('dashboard.byProvince')}>{threats.loading ? <Loading /> : <Chart option={provinceOption} label={t('dashboard.byProvince')} />}</Card>}
        <Card title={t('dashboard.overTime')}>{threats.loading ? <Loading /> : <Chart option={timeOption} label={t('dashboard.overTime')} />}</Card>
      </div>
    </>
  );
}

function TimingCell({ s, target }: { s: number | null; target: number }) {
  const over = s !== null && s / 3600 > target;
  return <td className={over ? 'bad' : s !== null ? 'good' : ''}>{s === null ? '—' : formatHours(s / 3600)}</td>;
}

function Kpi({ label, value, hint, bad }: { label: string; value: number | string; hint?: string; bad?: boolean }) {
  return (
    <div className={`kpi ${bad ? 'bad' : ''}`}>
      <div className="kpi-value">{value}</div>
      <div className="kpi-label">{label}</div>
      {hint && <div className="hint">{hint}</div>}
    </div>
  );
}

/** A count from a list capped at 100 reads "100+". */
function atMost(n: number): string {
  return n >= 100 ? '100+' : String(n);
}

function toMap(rows: Count[], nullKey: string): Map<string, number> {
  return new Map(rows.map((r) => [r.key ?? nullKey, r.count]));
}


/** Case-weighted medians across groups: an approximation good enough for the headline figure. */
function summarize(groups: TimingGroup[]) {
  const w = (f: (g: TimingGroup) => number | null) => {
    let sum = 0;
    let n = 0;
    for (const g of groups) {
      const v = f(g);
      if (v !== null && g.cases > 0) {
        sum += v * g.cases;
        n += g.cases;
      }
    }
    return n ? sum / n : null;
  };
  return {
    cases: groups.reduce((a, g) => a + g.cases, 0),
    notices: groups.reduce((a, g) => a + g.notices, 0),
    overdue: groups.reduce((a, g) => a + g.overdue, 0),
    identify: w((g) => g.time_to_identify.median),
    decide: w((g) => g.time_to_decide.median),
    handle: w((g) => g.time_to_handle.median),
  };
}

/** What this user is expected to act on now, by organization kind and role. */
function WorkWaiting({ me }: { me: SessionInfo }) {
  const { t } = useTranslation();
  const en = useEnum();
  const work = useApi(async () => {
    const out: { key: string; label: string; to: string; items: { id: string; title: string; to: string; at: string | null; state: string }[] }[] = [];
    const caseItems = (cs: ThreatCase[]) => cs.map((c) => ({ id: c.id, title: c.title, to: `/cases/${c.id}`, at: c.opened_at, state: en('caseState', c.state) }));
    const noticeItems = (ns: Notice[]) => ns.map((n) => ({ id: n.id, title: `${en('measure', n.measure)}`, to: `/notices/${n.id}`, at: n.deadline, state: en('noticeState', n.state) }));
    if (can.isInstitution(me)) {
      const q = await api.get<{ items: ThreatCase[] }>('/api/v1/cases', { queue: true, limit: 10 });
      out.push({ key: 'queue', label: t('work.toIdentify'), to: '/cases', items: caseItems(q.items) });
    }
    if (can.isRegulator(me)) {
      const open = await api.get<{ items: ThreatCase[] }>('/api/v1/cases', { state: 'open', limit: 10 });
      const confirmed = await api.get<{ items: ThreatCase[] }>('/api/v1/cases', { state: 'confirmed', limit: 10 });
      const reported = await api.get<{ items: Notice[] }>('/api/v1/notices', { state: 'result_reported', limit: 10 });
      const overdue = await api.get<{ items: Notice[] }>('/api/v1/notices', { state: 'overdue', limit: 10 });
      out.push({ key: 'assign', label: t('work.toAssign'), to: '/cases?state=open', items: caseItems(open.items) });
      out.push({ key: 'decide', label: t('work.toDecide'), to: '/cases?state=confirmed', items: caseItems(confirmed.items) });
      out.push({ key: 'verify', label: t('work.toVerify'), to: '/notices?state=result_reported', items: noticeItems(reported.items) });
      out.push({ key: 'overdue', label: t('work.overdue'), to: '/notices?state=overdue', items: noticeItems(overdue.items) });
    }
    if (can.isUnit(me)) {
      const issued = await api.get<{ items: Notice[] }>('/api/v1/notices', { state: 'issued', limit: 10 });
      const delivered = await api.get<{ items: Notice[] }>('/api/v1/notices', { state: 'delivered', limit: 10 });
      const sentBack = await api.get<{ items: Notice[] }>('/api/v1/notices', { state: 'sent_back', limit: 10 });
      const info = await api.get<{ items: ThreatCase[] }>('/api/v1/cases', { state: 'more_info_needed', limit: 10 });
      out.push({ key: 'ack', label: t('work.toAcknowledge'), to: '/notices?state=issued', items: noticeItems(issued.items) });
      out.push({ key: 'result', label: t('work.toReportResult'), to: '/notices?state=delivered', items: noticeItems([...delivered.items, ...sentBack.items]) });
      out.push({ key: 'info', label: t('work.toAnswer'), to: '/cases?state=more_info_needed', items: caseItems(info.items) });
    }
    return out;
  }, [me.user_id, t]);

  return (
    <Card title={t('dashboard.workWaiting')}>
      <ErrorBox error={work.error} />
      {work.loading && <Loading />}
      <div className="work" data-testid="work-waiting">
        {work.data?.map((g) => (
          <div key={g.key} className="work-group">
            <h3>
              <Link to={g.to}>{g.label}</Link> <span className="count">{g.items.length}</span>
            </h3>
            {g.items.length === 0 ? (
              <p className="muted small">{t('work.nothing')}</p>
            ) : (
              <ul>
                {g.items.slice(0, 5).map((i) => (
                  <li key={i.id}>
                    <Link to={i.to}>{i.title}</Link> <span className="muted small">{i.state} · {formatTime(i.at)}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
      </div>
    </Card>
  );
}
