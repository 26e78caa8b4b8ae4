/** Enforcement (Art. 13): overdue notices escalate to a case; interview, rectification, penalty. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { DataTable } from '../components/DataTable';
import { OrgName } from '../components/OrgName';
import { Badge, Card, Definition, ErrorBox, Field, Loading, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import { PENALTY_KINDS, PENALTY_PROVISIONS, PENALTY_TIERS, type EnforcementCase } from '../lib/domain';
import { formatTime } from '../lib/format';
import { useApi, useLabels } from '../lib/hooks';
import { can, useMe } from '../lib/session';
import { fromLocalInput, toLocalInput } from './ReportNew';
import { formatCitation, isLegalRef } from '../../../src/modules/enforcement/legal-basis';

const PAGE = 25;

export function EnforcementPage() {
  const { t } = useTranslation();
  const en = useEnum();
  const labels = useLabels();
  const [offset, setOffset] = useState(0);
  const res = useApi(() => api.get<{ items: EnforcementCase[] }>('/api/v1/enforcement-cases', { limit: PAGE, offset }), [offset]);
  const rows = res.data?.items ?? [];
  return (
    <>
      <PageHeader title={t('nav.enforcement')}>{t('enforcement.subtitle')}</PageHeader>
      <ErrorBox error={res.error} />
      <DataTable
        caption={t('nav.enforcement')}
        rows={rows}
        rowKey={(e) => e.id}
        loading={res.loading}
        page={offset / PAGE + 1}
        hasPrev={offset > 0}
        hasNext={rows.length === PAGE}
        onPrev={() => setOffset(Math.max(0, offset - PAGE))}
        onNext={() => setOffset(offset + PAGE)}
        columns={[
          { key: 'opened', header: t('enforcement.openedAt'), render: (e) => <Link to={`/enforcement/${e.id}`}>{formatTime(e.opened_at)}</Link> },
          { key: 'org', header: t('enforcement.unit'), render: (e) => <OrgName id={e.org_id} /> },
          { key: 'state', header: t('cases.state'), render: (e) => <Badge kind={e.state}>{en('enforcementState', e.state)}</Badge> },
          { key: 'province', header: t('common.province'), render: (e) => labels.province(e.province_code) },
          { key: 'notice', header: t('enforcement.notice'), render: (e) => <Link to={`/notices/${e.notice_id}`}>{t('enforcement.openDocument')}</Link> },
        ]}
      />
    </>
  );
}

export function EnforcementDetailPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const en = useEnum();
  const res = useApi(() => api.get<EnforcementCase>(`/api/v1/enforcement-cases/${id}`), [id]);
  const [action, setAction] = useState('');
  if (res.loading && !res.data) return <Loading />;
  if (res.error || !res.data) return <ErrorBox error={res.error} />;
  const e = res.data;
  const acts = can.isRegulator(me) ? e.allowed_events : [];
  return (
    <>
      <PageHeader title={t('enforcement.case')} actions={<Badge kind={e.state}>{en('enforcementState', e.state)}</Badge>}>
        <OrgName id={e.org_id} /> · <Link to={`/notices/${e.notice_id}`}>{t('enforcement.notice')}</Link>
        {e.penalty_notice_id && (
          <>
            {' '}
            · <Link to={`/notices/${e.penalty_notice_id}`}>{t('enforcement.penaltyDecision')}</Link>
          </>
        )}
      </PageHeader>
      <Card title={t('enforcement.actions')}>
        <ol className="timeline">
          {e.actions.map((a) => (
            <li key={a.id}>
              <div className="tl-dot" aria-hidden />
              <div className="tl-body">
                <strong>{en('enforcementAction', a.kind)}</strong> <span className="muted small">{formatTime(a.at)}</span>
                <ActionData data={a.data} />
              </div>
            </li>
          ))}
        </ol>
      </Card>
      {acts.length > 0 && (
        <Card title={t('enforcement.nextStep')} className="action-card">
          <div className="radio-row">
            {acts.map((a) => (
              <label key={a} className="check">
                <input type="radio" name="act" checked={action === a} onChange={() => setAction(a)} /> {en('enforcementEvent', a)}
              </label>
            ))}
          </div>
          {action && <ActionForm caseId={e.id} action={action} onDone={() => (setAction(''), res.reload())} />}
        </Card>
      )}
    </>
  );
}

/**
 * A legal reference in words ("《网络安全法》第五十六条"), from the one table of citations the
 * server prints notices with (src/modules/enforcement/legal-basis.ts), never a code like
 * `csl_2025_art56`; the console's own label where it has a fuller one.
 */
export function legalLabel(code: string, lang: string, en: (g: string, v: string) => string): string {
  const own = en('provision', code);
  if (own !== code) return own;
  return isLegalRef(code) ? formatCitation(code, lang === 'en' ? 'en' : 'zh') : code;
}

/** An action's recorded facts, labelled in the console's language. */
function ActionData({ data }: { data: unknown }) {
  const { t, i18n } = useTranslation();
  const en = useEnum();
  if (!data || typeof data !== 'object') return null;
  const show = (k: string, v: unknown): React.ReactNode => {
    if (Array.isArray(v)) return v.map(String).join('、');
    if (k === 'provision' || k === 'legal_basis') return legalLabel(String(v), i18n.language, en);
    if (k === 'penalty_notice_id' || k === 'notice_id') return <Link to={`/notices/${String(v)}`}>{t(k === 'penalty_notice_id' ? 'enforcement.penaltyDecision' : 'enforcement.openDocument')}</Link>;
    if (k === 'tier') return en('penaltyTier', String(v));
    if (k === 'kind') return en('penaltyKind', String(v));
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return formatTime(v);
    if (typeof v === 'number' && /amount/.test(k)) return `¥${v.toLocaleString()}`;
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  return (
    <Definition
      items={Object.entries(data as Record<string, unknown>)
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => [t(`enforcement.field.${k}`, { defaultValue: k }), show(k, v)] as [string, React.ReactNode])}
    />
  );
}

function ActionForm({ caseId, action, onDone }: { caseId: string; action: string; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const en = useEnum();
  const [f, setF] = useState<Record<string, string>>({ held_at: toLocalInput(new Date()), provision: 'csl_2025_art61', tier: 'warning', kind: 'warning' });
  const [error, setError] = useState<unknown>(null);
  const set = (k: string) => (ev: { target: { value: string } }) => setF({ ...f, [k]: ev.target.value });
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    try {
      const base = `/api/v1/enforcement-cases/${caseId}`;
      if (action === 'hold_interview') await api.post(`${base}/interview`, { held_at: fromLocalInput(f.held_at), participants: (f.participants ?? '').split(/[,，、\n]/).map((s) => s.trim()).filter(Boolean), summary: f.summary });
      else if (action === 'order_rectification') await api.post(`${base}/rectification-order`, { requirements: f.requirements, due_date: f.due_date });
      else if (action === 'decide_penalty')
        await api.post(`${base}/penalty`, {
          provision: f.provision,
          tier: f.tier,
          kind: f.kind,
          ...(f.conduct_date ? { conduct_date: f.conduct_date } : {}),
          ...(f.unit_amount ? { unit_amount: Number(f.unit_amount) } : {}),
          ...(f.person_amount ? { person_amount: Number(f.person_amount) } : {}),
          ...(f.person_name ? { person_name: f.person_name } : {}),
          ...(f.reasons ? { reasons: f.reasons } : {}),
        });
      else await api.post(`${base}/${action === 'dismiss' ? 'dismiss' : 'close'}`, { reasons: f.reasons });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit}>
      {action === 'hold_interview' && (
        <>
          <Field label={t('enforcement.heldAt')} htmlFor="e-held">
            <input id="e-held" type="datetime-local" value={f.held_at} onChange={set('held_at')} required />
          </Field>
          <Field label={t('enforcement.participants')} htmlFor="e-part">
            <input id="e-part" value={f.participants ?? ''} onChange={set('participants')} required />
          </Field>
          <Field label={t('enforcement.summary')} htmlFor="e-sum">
            <textarea id="e-sum" rows={3} value={f.summary ?? ''} onChange={set('summary')} required />
          </Field>
        </>
      )}
      {action === 'order_rectification' && (
        <>
          <Field label={t('enforcement.requirements')} htmlFor="e-req">
            <textarea id="e-req" rows={3} value={f.requirements ?? ''} onChange={set('requirements')} required />
          </Field>
          <Field label={t('enforcement.dueDate')} htmlFor="e-due">
            <input id="e-due" type="date" value={f.due_date ?? ''} onChange={set('due_date')} required />
          </Field>
        </>
      )}
      {action === 'decide_penalty' && (
        <div className="row-2">
          <Field label={t('enforcement.provision')} htmlFor="e-prov">
            <select id="e-prov" value={f.provision} onChange={set('provision')}>
              {PENALTY_PROVISIONS.map((p) => (
                <option key={p} value={p}>
                  {legalLabel(p, i18n.language, en)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('enforcement.tier')} htmlFor="e-tier">
            <select id="e-tier" value={f.tier} onChange={set('tier')}>
              {PENALTY_TIERS.map((p) => (
                <option key={p} value={p}>
                  {en('penaltyTier', p)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('enforcement.kind')} htmlFor="e-kind">
            <select id="e-kind" value={f.kind} onChange={set('kind')}>
              {PENALTY_KINDS.map((p) => (
                <option key={p} value={p}>
                  {en('penaltyKind', p)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('enforcement.conductDate')} htmlFor="e-cd">
            <input id="e-cd" type="date" value={f.conduct_date ?? ''} onChange={set('conduct_date')} />
          </Field>
          <Field label={t('enforcement.unitAmount')} htmlFor="e-ua">
            <input id="e-ua" type="number" min={0} value={f.unit_amount ?? ''} onChange={set('unit_amount')} />
          </Field>
          <Field label={t('enforcement.personAmount')} htmlFor="e-pa">
            <input id="e-pa" type="number" min={0} value={f.person_amount ?? ''} onChange={set('person_amount')} />
          </Field>
          <Field label={t('enforcement.personName')} htmlFor="e-pn">
            <input id="e-pn" value={f.person_name ?? ''} onChange={set('person_name')} />
          </Field>
        </div>
      )}
      {(action === 'dismiss' || action === 'close' || action === 'decide_penalty') && (
        <Field label={t('cases.reasons')} htmlFor="e-reasons">
          <textarea id="e-reasons" rows={2} value={f.reasons ?? ''} onChange={set('reasons')} required={action !== 'decide_penalty'} />
        </Field>
      )}
      <ErrorBox error={error} />
      <button type="submit">{t('common.submit')}</button>
    </form>
  );
}
