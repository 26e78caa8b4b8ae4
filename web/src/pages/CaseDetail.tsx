/**
 * One threat case and every step on it: assignment (regulator), the verdict (the assigned
 * institution, Art. 7), answers to questions (the reporter), the decision with measures and the
 * routed units (the regulator, Art. 8), its notices, appeals (Art. 10) and the audit timeline.
 * Each form shows only when the API would allow this user to do it.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { OrgName } from '../components/OrgName';
import { Badge, Card, Definition, ErrorBox, Field, Loading, PageHeader, useEnum } from '../components/ui';
import { api, evidenceContentType, upload } from '../lib/api';
import { MEASURES, SEVERITIES, type AuditEntry, type CaseDetail, type Decision, type Organization } from '../lib/domain';
import { formatTime } from '../lib/format';
import { useApi, useLabels } from '../lib/hooks';
import { can, useMe, type SessionInfo } from '../lib/session';
import { Timeline } from './Audit';
import { Countdown } from './Notices';

export function CaseDetailPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const labels = useLabels();
  const en = useEnum();
  const res = useApi(() => api.get<CaseDetail>(`/api/v1/cases/${id}`), [id]);
  const trail = useApi(can.audit(me) ? () => api.get<AuditEntry[]>(`/api/v1/audit/case/${id}`) : null, [id, res.data?.state]);
  const [decision, setDecision] = useState<Decision | null>(null);
  if (res.loading && !res.data) return <Loading />;
  if (res.error || !res.data) return <ErrorBox error={res.error} />;
  const c = res.data;
  const reload = () => res.reload();
  const isAssignedInstitution = can.isInstitution(me) && c.assigned_org_id === me.org_id;
  const isReporter = (c.reporting_org_ids ?? []).includes(me.org_id);
  const coversCase = me.org_kind === 'regulator_national' || (me.org_kind === 'regulator_provincial' && c.province_code === me.province_code);
  const regulatorHere = can.isRegulator(me) && coversCase;
  const latest = c.identifications[c.identifications.length - 1];

  return (
    <>
      <PageHeader
        title={c.title}
        actions={
          <>
            <Badge kind={c.state}>{en('caseState', c.state)}</Badge>
            {c.severity && <Badge kind={`sev-${c.severity}`}>{en('severity', c.severity)}</Badge>}
          </>
        }
      >
        {labels.category(c.category)} / {labels.subtype(c.category, c.subtype)} · {c.province_code ? labels.province(c.province_code) : t('dashboard.national')}
      </PageHeader>
      <Steps c={c} />
      <div className="grid-2">
        <Card title={t('cases.details')}>
          <Definition
            items={[
              [t('cases.openedAt'), formatTime(c.opened_at)],
              [t('cases.assignedTo'), <OrgName id={c.assigned_org_id} />],
              [t('cases.assignedAt'), formatTime(c.assigned_at)],
              [t('cases.identifiedAt'), formatTime(c.identified_at)],
              [t('cases.decidedAt'), formatTime(c.decided_at)],
              [t('cases.closedAt'), formatTime(c.closed_at)],
              [t('cases.reporters'), c.reporting_org_ids ? c.reporting_org_ids.map((o) => <OrgName key={o} id={o} />).reduce<React.ReactNode[]>((a, x, i) => (i ? [...a, '、', x] : [x]), []) : t('reports.anonymous')],
            ]}
          />
        </Card>
        <Card title={t('cases.reports')}>
          <ul>
            {c.reports.map((r) => (
              <li key={r.id}>
                <Link to={`/reports/${r.id}`}>{r.title}</Link> <span className="muted small">{formatTime(r.received_at)} · {r.observable_count}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>

      {regulatorHere && c.allowed_events.some((e) => e === 'assign' || e === 'reassign') && <AssignForm caseId={c.id} onDone={reload} reassign={c.state !== 'open'} />}
      {isAssignedInstitution && c.state === 'identifying' && <VerdictForm caseId={c.id} onDone={reload} />}
      {isReporter && c.state === 'more_info_needed' && <InformationForm c={c} onDone={reload} />}
      {regulatorHere && c.state === 'confirmed' && can.decide(me) && <DecisionForm c={c} recommended={latest?.recommended_measures ?? []} onDone={(d) => (setDecision(d), reload())} />}
      {decision && <DecisionResult d={decision} />}

      <Card title={`${t('cases.indicators')} (${c.indicators.length})`}>
        <table className="data compact">
          <thead>
            <tr>
              <th>{t('indicators.type')}</th>
              <th>{t('indicators.value')}</th>
              <th>{t('common.province')}</th>
              <th>{t('indicators.operator')}</th>
            </tr>
          </thead>
          <tbody>
            {c.indicators.slice(0, 100).map((i) => (
              <tr key={i.id}>
                <td>{en('observableType', i.type)}</td>
                <td className="mono">
                  <Link to={`/indicators/${i.id}`}>{i.value}</Link>
                </td>
                <td>{labels.province(i.province_code)}</td>
                <td>{en('operator', i.operator)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      {c.identifications.length > 0 && (
        <Card title={t('cases.identifications')}>
          {c.identifications.map((i) => (
            <div key={i.id} className="identification">
              <div>
                <Badge kind={i.verdict}>{en('verdict', i.verdict)}</Badge> <OrgName id={i.institution_org_id} /> <span className="muted small">{formatTime(i.created_at)}</span>
              </div>
              {i.severity && (
                <div>
                  {t('cases.severity')}: {en('severity', i.severity)}
                </div>
              )}
              {i.analysis && <p className="prewrap">{i.analysis}</p>}
              {i.reasons && <p className="prewrap">{i.reasons}</p>}
              {i.questions && i.questions.length > 0 && (
                <ul>
                  {i.questions.map((q, k) => (
                    <li key={k}>{q}</li>
                  ))}
                </ul>
              )}
              {i.recommended_measures.length > 0 && (
                <div>
                  {t('cases.recommended')}: {i.recommended_measures.map((m) => en('measure', m)).join('、')}
                </div>
              )}
            </div>
          ))}
        </Card>
      )}

      {c.notices.length > 0 && (
        <Card title={t('nav.notices')}>
          <table className="data compact" data-testid="case-notices">
            <thead>
              <tr>
                <th>{t('notices.measure')}</th>
                <th>{t('notices.recipient')}</th>
                <th>{t('notices.state')}</th>
                <th>{t('notices.deadline')}</th>
              </tr>
            </thead>
            <tbody>
              {c.notices.map((n) => (
                <tr key={n.id}>
                  <td>
                    <Link to={`/notices/${n.id}`}>{n.measure ? en('measure', n.measure) : en('noticeKind', n.kind)}</Link>
                  </td>
                  <td>
                    <OrgName id={n.recipient_org_id} />
                  </td>
                  <td>
                    <Badge kind={n.state}>{en('noticeState', n.state)}</Badge>
                  </td>
                  <td>
                    <Countdown deadline={n.deadline} state={n.state} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}

      {['confirmed', 'rejected', 'decided', 'handling', 'closed'].includes(c.state) && (isReporter || can.isUnit(me)) && <AppealForm caseId={c.id} />}

      {trail.data && (
        <Card title={t('audit.title')}>
          <Timeline entries={trail.data} />
        </Card>
      )}
    </>
  );
}

function Steps({ c }: { c: CaseDetail }) {
  const en = useEnum();
  const order = ['open', 'identifying', 'confirmed', 'decided', 'handling', 'closed'];
  const at = order.indexOf(c.state === 'more_info_needed' ? 'identifying' : c.state);
  return (
    <ol className="steps" aria-label="workflow">
      {order.map((s, i) => (
        <li key={s} className={i < at ? 'done' : i === at ? 'current' : ''} aria-current={i === at ? 'step' : undefined}>
          {en('caseState', s)}
        </li>
      ))}
      {['rejected', 'withdrawn'].includes(c.state) && <li className="current bad">{en('caseState', c.state)}</li>}
    </ol>
  );
}

function useAction<T>(fn: () => Promise<T>, onDone: (r: T) => void) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await fn());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { run, error, busy };
}

function AssignForm({ caseId, onDone, reassign }: { caseId: string; onDone: () => void; reassign: boolean }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const institutions = useApi(() => api.get<{ items: Organization[] }>('/api/v1/organizations', { kind: 'professional_institution', limit: 100 }), []);
  const [target, setTarget] = useState('');
  const a = useAction(() => api.post(`/api/v1/cases/${caseId}/assign`, target ? { institution_org_id: target } : {}), onDone);
  return (
    <Card title={reassign ? t('cases.reassign') : t('cases.assign')}>
      <form onSubmit={a.run} className="inline-form">
        <Field label={t('cases.institution')} htmlFor="assign-inst">
          <select id="assign-inst" value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">{t('cases.autoAssign')}</option>
            {(institutions.data?.items ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {labels.orgName(o)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={a.busy} data-testid="assign-submit">
          {reassign ? t('cases.reassign') : t('cases.assign')}
        </button>
      </form>
      <ErrorBox error={a.error} />
    </Card>
  );
}

function VerdictForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const en = useEnum();
  const [verdict, setVerdict] = useState<'confirmed' | 'rejected' | 'more_info_needed'>('confirmed');
  const [severity, setSeverity] = useState('general');
  const [analysis, setAnalysis] = useState('');
  const [measures, setMeasures] = useState<string[]>([]);
  const [reasons, setReasons] = useState('');
  const [questions, setQuestions] = useState('');
  const [evidence, setEvidence] = useState<string[]>([]);
  const [declining, setDeclining] = useState(false);
  const a = useAction(() => {
    const body =
      verdict === 'confirmed'
        ? { verdict, severity, analysis: analysis || undefined, recommended_measures: measures, evidence_sha256: evidence.length ? evidence : undefined }
        : verdict === 'rejected'
          ? { verdict, reasons }
          : { verdict, questions: questions.split('\n').map((q) => q.trim()).filter(Boolean) };
    return api.post(`/api/v1/cases/${caseId}/identification`, body);
  }, onDone);
  const d = useAction(() => api.post(`/api/v1/cases/${caseId}/decline`, { reasons }), onDone);
  return (
    <Card title={t('cases.verdictForm')} className="action-card">
      <form onSubmit={a.run} data-testid="verdict-form">
        <fieldset className="radio-row">
          <legend>{t('cases.verdict')}</legend>
          {(['confirmed', 'rejected', 'more_info_needed'] as const).map((v) => (
            <label key={v} className="check">
              <input type="radio" name="verdict" value={v} checked={verdict === v} onChange={() => setVerdict(v)} /> {en('verdict', v)}
            </label>
          ))}
        </fieldset>
        {verdict === 'confirmed' && (
          <>
            <Field label={t('cases.severity')} htmlFor="v-severity">
              <select id="v-severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {en('severity', s)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('cases.analysis')} htmlFor="v-analysis">
              <textarea id="v-analysis" rows={4} value={analysis} onChange={(e) => setAnalysis(e.target.value)} />
            </Field>
            <fieldset className="measures cols-2">
              <legend>{t('cases.recommended')}</legend>
              {MEASURES.map((m) => (
                <label key={m} className="check">
                  <input type="checkbox" value={m} checked={measures.includes(m)} onChange={(e) => setMeasures(e.target.checked ? [...measures, m] : measures.filter((x) => x !== m))} /> {en('measure', m)}
                </label>
              ))}
            </fieldset>
            <EvidenceUpload onUploaded={(h) => setEvidence((ev) => [...ev, h])} count={evidence.length} />
          </>
        )}
        {verdict === 'rejected' && (
          <Field label={t('cases.reasons')} htmlFor="v-reasons">
            <textarea id="v-reasons" rows={3} value={reasons} onChange={(e) => setReasons(e.target.value)} required />
          </Field>
        )}
        {verdict === 'more_info_needed' && (
          <Field label={t('cases.questions')} htmlFor="v-questions" hint={t('cases.questionsHint')}>
            <textarea id="v-questions" rows={3} value={questions} onChange={(e) => setQuestions(e.target.value)} required />
          </Field>
        )}
        <ErrorBox error={a.error} />
        <div className="form-actions">
          <button type="submit" disabled={a.busy} data-testid="verdict-submit">
            {t('cases.submitVerdict')}
          </button>
          <button type="button" className="secondary" onClick={() => setDeclining(!declining)}>
            {t('cases.decline')}
          </button>
        </div>
      </form>
      {declining && (
        <form onSubmit={d.run} className="inline-form">
          <Field label={t('cases.declineReasons')} htmlFor="d-reasons">
            <input id="d-reasons" value={reasons} onChange={(e) => setReasons(e.target.value)} required />
          </Field>
          <button type="submit" className="danger" disabled={d.busy}>
            {t('cases.decline')}
          </button>
          <ErrorBox error={d.error} />
        </form>
      )}
    </Card>
  );
}

function EvidenceUpload({ onUploaded, count }: { onUploaded: (sha256: string) => void; count: number }) {
  const { t } = useTranslation();
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <Field label={t('reportNew.addEvidence')} htmlFor="ev-file" hint={t('cases.evidenceCount', { count })}>
      <input
        id="ev-file"
        type="file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (!f) return;
          setError(null);
          try {
            const r = await upload<{ sha256: string }>('/api/v1/evidence', f, { contentType: evidenceContentType(f), query: { name: f.name }, onProgress: (s, tot) => setProgress(`${Math.round((s / Math.max(1, tot)) * 100)}%`) });
            onUploaded(r.sha256);
            setProgress(null);
          } catch (err) {
            setError(err);
          }
        }}
      />
      {progress && <span className="muted small">{progress}</span>}
      <ErrorBox error={error} />
    </Field>
  );
}

function InformationForm({ c, onDone }: { c: CaseDetail; onDone: () => void }) {
  const { t } = useTranslation();
  const [answers, setAnswers] = useState('');
  const a = useAction(() => api.post(`/api/v1/cases/${c.id}/information`, { answers }), onDone);
  return (
    <Card title={t('cases.answerQuestions')} className="action-card">
      {c.questions && (
        <ul>
          {c.questions.map((q, i) => (
            <li key={i}>{q}</li>
          ))}
        </ul>
      )}
      <form onSubmit={a.run} data-testid="information-form">
        <Field label={t('cases.answers')} htmlFor="i-answers">
          <textarea id="i-answers" rows={4} value={answers} onChange={(e) => setAnswers(e.target.value)} required />
        </Field>
        <ErrorBox error={a.error} />
        <button type="submit" disabled={a.busy}>
          {t('common.submit')}
        </button>
      </form>
    </Card>
  );
}

interface MeasureChoice {
  measure: string;
  emergency: boolean;
  deadlineHours: string;
  caller: string;
  callee: string;
}

function DecisionForm({ c, recommended, onDone }: { c: CaseDetail; recommended: string[]; onDone: (d: Decision) => void }) {
  const { t } = useTranslation();
  const me = useMe();
  const en = useEnum();
  const labels = useLabels();
  const [choices, setChoices] = useState<MeasureChoice[]>([]);
  const [reasons, setReasons] = useState('');
  const [mode, setMode] = useState<'decide' | 'close' | 'return'>('decide');
  useEffect(() => {
    setChoices(recommended.map((m) => ({ measure: m, emergency: false, deadlineHours: '', caller: me.display_name, callee: '' })));
  }, [recommended.join(','), me.display_name]);
  const toggle = (m: string, on: boolean) => setChoices(on ? [...choices, { measure: m, emergency: false, deadlineHours: '', caller: me.display_name, callee: '' }] : choices.filter((x) => x.measure !== m));
  const patch = (m: string, p: Partial<MeasureChoice>) => setChoices(choices.map((x) => (x.measure === m ? { ...x, ...p } : x)));
  const decide = useAction(
    () =>
      api.post<Decision>(`/api/v1/cases/${c.id}/decisions`, {
        reasons,
        measures: choices.map((x) => ({
          measure: x.measure,
          ...(x.emergency ? { emergency: true } : {}),
          ...(x.deadlineHours ? { deadline: { hours: Number(x.deadlineHours) } } : {}),
          ...(x.emergency && x.callee ? { phone_call: { caller: x.caller, callee: x.callee, called_at: new Date().toISOString() } } : {}),
        })),
      }),
    onDone,
  );
  const other = useAction(() => api.post<Decision>(`/api/v1/cases/${c.id}/${mode === 'close' ? 'close' : 'return'}`, { reasons }), () => onDone(null as unknown as Decision));
  // Routing preview: where the case's indicators sit (province, operator); the server routes each
  // measure to the responsible unit when it issues the notices.
  const routes = new Map<string, number>();
  for (const i of c.indicators) {
    const k = `${labels.province(i.province_code)} · ${en('operator', i.operator)}`;
    routes.set(k, (routes.get(k) ?? 0) + 1);
  }
  return (
    <Card title={t('cases.decisionForm')} className="action-card">
      <fieldset className="radio-row">
        <legend>{t('cases.decisionMode')}</legend>
        {(['decide', 'close', 'return'] as const).map((m) => (
          <label key={m} className="check">
            <input type="radio" name="mode" checked={mode === m} onChange={() => setMode(m)} /> {t(`cases.mode.${m}`)}
          </label>
        ))}
      </fieldset>
      {mode === 'decide' ? (
        <form onSubmit={decide.run} data-testid="decision-form">
          <div className="grid-2">
            <fieldset className="measures">
              <legend>{t('cases.measures')}</legend>
              {MEASURES.map((m) => {
                const choice = choices.find((x) => x.measure === m);
                return (
                  <div key={m} className="measure-choice">
                    <label className="check">
                      <input type="checkbox" value={m} checked={!!choice} onChange={(e) => toggle(m, e.target.checked)} data-testid={`measure-${m}`} /> {en('measure', m)}
                      {recommended.includes(m) && <Badge kind="info">{t('cases.recommendedShort')}</Badge>}
                    </label>
                    {choice && (
                      <div className="measure-options">
                        <label className="check">
                          <input type="checkbox" checked={choice.emergency} onChange={(e) => patch(m, { emergency: e.target.checked })} /> {t('cases.emergency')}
                        </label>
                        <label>
                          {t('cases.deadlineHours')}
                          <input type="number" min={1} step={1} value={choice.deadlineHours} placeholder={t('cases.policyDefault')} onChange={(e) => patch(m, { deadlineHours: e.target.value })} />
                        </label>
                        {choice.emergency && (
                          <label>
                            {t('cases.phoneCallee')}
                            <input value={choice.callee} onChange={(e) => patch(m, { callee: e.target.value })} placeholder={t('cases.phoneCalleeHint')} />
                          </label>
                        )}
                      </div>
                    )}
                  </div>
                );
              })}
            </fieldset>
            <div>
              <h3>{t('cases.routingPreview')}</h3>
              <p className="muted small">{t('cases.routingHint')}</p>
              <ul data-testid="routing-preview">
                {[...routes.entries()].map(([k, n]) => (
                  <li key={k}>
                    {k}: {n}
                  </li>
                ))}
              </ul>
            </div>
          </div>
          <Field label={t('cases.decisionReasons')} htmlFor="dec-reasons">
            <textarea id="dec-reasons" rows={3} value={reasons} onChange={(e) => setReasons(e.target.value)} required />
          </Field>
          <ErrorBox error={decide.error} />
          <button type="submit" disabled={decide.busy || choices.length === 0} data-testid="decision-submit">
            {t('cases.decideAndIssue')}
          </button>
        </form>
      ) : (
        <form onSubmit={other.run}>
          <Field label={t('cases.reasons')} htmlFor="o-reasons">
            <textarea id="o-reasons" rows={3} value={reasons} onChange={(e) => setReasons(e.target.value)} required />
          </Field>
          <ErrorBox error={other.error} />
          <button type="submit" disabled={other.busy}>
            {t(`cases.mode.${mode}`)}
          </button>
        </form>
      )}
    </Card>
  );
}

function DecisionResult({ d }: { d: Decision }) {
  const { t } = useTranslation();
  const en = useEnum();
  if (!d) return null;
  return (
    <Card title={t('cases.decisionIssued')}>
      <ul data-testid="routed-units">
        {d.notices.map((n, i) => (
          <li key={n.id ?? i}>
            {en('measure', n.measure ?? '')} → <OrgName id={n.recipient_org_id} /> {n.id && <Link to={`/notices/${n.id}`}>{t('notices.open')}</Link>}
          </li>
        ))}
      </ul>
      {d.unrouted.length > 0 && (
        <>
          <h3>{t('cases.unrouted')}</h3>
          <ul>
            {d.unrouted.map((u, i) => (
              <li key={i}>
                {en('measure', u.measure)}: <code>{u.target.value}</code> — {u.detail}
                <AssignUnrouted decisionId={d.id} measure={u.measure} target={u.target} />
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

/** A target no unit was found for goes to a unit the regulator names; the notice is issued at once. */
function AssignUnrouted({ decisionId, measure, target }: { decisionId: string; measure: string; target: { type: string; value: string } }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const [q, setQ] = useState('');
  const [org, setOrg] = useState('');
  const [done, setDone] = useState(false);
  const found = useApi(q.length >= 2 ? () => api.get<{ items: Organization[] }>('/api/v1/organizations', { q, limit: 10 }) : null, [q]);
  const a = useAction(() => api.post(`/api/v1/decisions/${decisionId}/assign`, { measure, targets: [target], org_id: org }), () => setDone(true));
  if (done) return <Badge kind="ok">{t('cases.assignedByHand')}</Badge>;
  return (
    <form className="inline-form" onSubmit={a.run}>
      <input aria-label={t('orgs.search')} placeholder={t('orgs.search')} value={q} onChange={(e) => setQ(e.target.value)} />
      <select aria-label={t('notices.recipient')} value={org} onChange={(e) => setOrg(e.target.value)} required>
        <option value="">—</option>
        {(found.data?.items ?? []).map((o) => (
          <option key={o.id} value={o.id}>
            {labels.orgName(o)}
          </option>
        ))}
      </select>
      <button type="submit" disabled={!org || a.busy}>
        {t('cases.assignTo')}
      </button>
      <ErrorBox error={a.error} />
    </form>
  );
}

export function AppealForm({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [reasons, setReasons] = useState('');
  const [done, setDone] = useState(false);
  const a = useAction(() => api.post(`/api/v1/cases/${caseId}/appeals`, { reasons }), () => setDone(true));
  if (done) return <div className="notice-box ok">{t('appeals.submitted')}</div>;
  return (
    <Card title={t('appeals.askReview')}>
      {!open ? (
        <button type="button" className="secondary" onClick={() => setOpen(true)} data-testid="appeal-open">
          {t('appeals.askReview')}
        </button>
      ) : (
        <form onSubmit={a.run} data-testid="appeal-form">
          <Field label={t('appeals.reasons')} htmlFor="ap-reasons">
            <textarea id="ap-reasons" rows={3} value={reasons} onChange={(e) => setReasons(e.target.value)} required />
          </Field>
          <ErrorBox error={a.error} />
          <button type="submit" disabled={a.busy} data-testid="appeal-submit">
            {t('common.submit')}
          </button>
        </form>
      )}
    </Card>
  );
}

export type { SessionInfo };
