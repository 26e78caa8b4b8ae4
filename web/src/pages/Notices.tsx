/**
 * Handling notices (Art. 8, 9): the list with status and deadline countdown; one notice with its
 * signature verified in the browser, the printable notice, and the steps the user may take:
 * acknowledge and feed back the result (the noticed unit), verify it (regulator or institution),
 * issue the written notice after a phone call (regulator).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { DataTable } from '../components/DataTable';
import { OrgName } from '../components/OrgName';
import { EvidenceLink } from '../components/EvidenceLink';
import { Badge, Card, Definition, ErrorBox, Field, Loading, PageHeader, useEnum } from '../components/ui';
import { api, evidenceContentType, upload } from '../lib/api';
import { NOTICE_STATES, type Notice } from '../lib/domain';
import { formatDuration, formatTime } from '../lib/format';
import { useApi, useLabels, useNow } from '../lib/hooks';
import { can, useMe } from '../lib/session';
import { verifySigned, type PublicKey, type SignedDocument, type VerifyOutcome } from '../lib/verify';
import { AppealForm } from './CaseDetail';
import { legalLabel } from './Enforcement';
import { EnumSelect, ProvinceSelect } from './filters';

const PAGE = 25;

/** Links from the API carry the platform's public URL; the console follows them on its own origin. */
function samePath(url: string): string {
  const u = new URL(url, window.location.origin);
  return u.pathname + u.search;
}
const RUNNING = ['issued', 'delivered', 'sent_back', 'phone_notified'];

export function Countdown({ deadline, state }: { deadline: string | null; state: string }) {
  const { t } = useTranslation();
  const now = useNow(1000);
  if (!deadline) return <span className="muted">—</span>;
  const left = new Date(deadline).getTime() - now;
  // The absolute deadline in Beijing time, and beside it how long is left (or how long overdue).
  const at = <time dateTime={deadline}>{formatTime(deadline)}</time>;
  if (!RUNNING.includes(state) && state !== 'overdue') return <span className="muted">{at}</span>;
  if (left < 0 || state === 'overdue')
    return (
      <span className="deadline">
        {at}{' '}
        <span className="countdown bad">{t('notices.overdueBy', { d: formatDuration(-left) })}</span>
      </span>
    );
  return (
    <span className="deadline">
      {at}{' '}
      <span className={`countdown ${left < 2 * 3600_000 ? 'warn' : ''}`}>{t('notices.timeLeft', { d: formatDuration(left) })}</span>
    </span>
  );
}

export function NoticesPage() {
  const { t } = useTranslation();
  const me = useMe();
  const en = useEnum();
  const labels = useLabels();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const [province, setProvince] = useState('');
  const [offset, setOffset] = useState(0);
  const res = useApi(() => api.get<{ items: Notice[] }>('/api/v1/notices', { state, province_code: province, limit: PAGE, offset }), [state, province, offset]);
  const rows = res.data?.items ?? [];
  return (
    <>
      <PageHeader title={t('nav.notices')}>{can.isUnit(me) ? t('notices.subtitleUnit') : t('notices.subtitle')}</PageHeader>
      <div className="filters">
        <EnumSelect id="f-nstate" group="noticeState" values={NOTICE_STATES} value={state} onChange={(v) => (setParams(v ? { state: v } : {}), setOffset(0))} label={t('notices.state')} />
        {me.org_kind === 'regulator_national' && <ProvinceSelect value={province} onChange={(v) => (setProvince(v), setOffset(0))} />}
      </div>
      <ErrorBox error={res.error} />
      <DataTable
        caption={t('nav.notices')}
        rows={rows}
        rowKey={(n) => n.id}
        loading={res.loading}
        page={offset / PAGE + 1}
        hasPrev={offset > 0}
        hasNext={rows.length === PAGE}
        onPrev={() => setOffset(Math.max(0, offset - PAGE))}
        onNext={() => setOffset(offset + PAGE)}
        columns={[
          { key: 'measure', header: t('notices.measure'), render: (n) => <Link to={`/notices/${n.id}`}>{n.measure ? en('measure', n.measure) : en('noticeKind', n.kind)}</Link> },
          { key: 'recipient', header: t('notices.recipient'), render: (n) => <OrgName id={n.recipient_org_id} /> },
          { key: 'state', header: t('notices.state'), render: (n) => <Badge kind={n.state}>{en('noticeState', n.state)}</Badge> },
          { key: 'emergency', header: t('cases.emergency'), render: (n) => (n.emergency ? <Badge kind="danger">{t('cases.emergency')}</Badge> : '') },
          { key: 'deadline', header: t('notices.deadline'), render: (n) => <Countdown deadline={n.deadline} state={n.state} /> },
          { key: 'province', header: t('common.province'), render: (n) => labels.province(n.province_code) },
          { key: 'issued', header: t('notices.issuedAt'), render: (n) => formatTime(n.issued_at) },
        ]}
      />
    </>
  );
}

export function NoticeDetailPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const en = useEnum();
  const labels = useLabels();
  const res = useApi(() => api.get<Notice>(`/api/v1/notices/${id}`), [id]);
  const [verify, setVerify] = useState<VerifyOutcome | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  if (res.loading && !res.data) return <Loading />;
  if (res.error || !res.data) return <ErrorBox error={res.error} />;
  const n = res.data;
  const isRecipient = n.recipient_org_id === me.org_id && (me.roles.includes('handler') || me.roles.includes('admin'));
  const mayVerify = (can.isRegulator(me) || can.isInstitution(me)) && n.allowed_events.includes('verify');

  const checkSignature = async () => {
    setVerifyError(null);
    setVerify(null);
    try {
      const [doc, keys] = await Promise.all([api.get<SignedDocument>(`/api/v1/notices/${n.id}/document`), api.get<{ keys: PublicKey[] }>('/.well-known/threatshare-keys.json')]);
      setVerify(await verifySigned(doc, keys.keys));
    } catch (e) {
      setVerifyError(e);
    }
  };

  return (
    <>
      <PageHeader
        title={`${n.measure ? en('measure', n.measure) : en('noticeKind', n.kind)}`}
        actions={
          <>
            <Badge kind={n.state}>{en('noticeState', n.state)}</Badge>
            {n.print_url && (
              <a className="button secondary" href={samePath(n.print_url)} target="_blank" rel="noreferrer" data-testid="print-notice">
                {t('notices.print')}
              </a>
            )}
          </>
        }
      >
        {en('noticeKind', n.kind)} · <OrgName id={n.issuer_org_id} /> → <OrgName id={n.recipient_org_id} />
      </PageHeader>
      <div className="grid-2">
        <Card title={t('notices.status')}>
          <div className="countdown-big" data-testid="countdown">
            <Countdown deadline={n.deadline} state={n.state} />
          </div>
          <Definition
            items={[
              [t('notices.deadline'), formatTime(n.deadline)],
              [t('notices.issuedAt'), formatTime(n.issued_at)],
              [t('notices.acknowledgedAt'), formatTime(n.acknowledged_at)],
              [t('notices.resultAt'), formatTime(n.result_at)],
              [t('notices.verifiedAt'), formatTime(n.verified_at)],
              [t('cases.emergency'), n.emergency ? t('common.yes') : t('common.no')],
              [t('cases.severity'), en('severity', n.severity)],
              [t('common.province'), labels.province(n.province_code)],
              [t('notices.case'), n.case_id ? <Link to={`/cases/${n.case_id}`}>{t('notices.openCase')}</Link> : '—'],
              ...(n.phone_call ? ([[t('notices.phoneCall'), `${n.phone_call.caller} → ${n.phone_call.callee} · ${formatTime(n.phone_call.called_at)}`]] as [string, string][]) : []),
              ...(n.written_due_at ? ([[t('notices.writtenDue'), `${formatTime(n.written_due_at)}${n.written_late ? ` · ${t('notices.late')}` : ''}`]] as [string, string][]) : []),
            ]}
          />
        </Card>
        <Card title={t('notices.signature')}>
          <p className="muted small">{t('notices.signatureHint')}</p>
          <p>
            {t('notices.keyId')}: <code>{n.key_id ?? '—'}</code>
          </p>
          <button type="button" onClick={() => void checkSignature()} disabled={!n.document_url} data-testid="verify-signature">
            {t('notices.verifySignature')}
          </button>
          <ErrorBox error={verifyError} />
          {verify && (
            <div className={`notice-box ${verify.status === 'valid' ? 'ok' : verify.status === 'unsupported' ? 'warn' : 'error'}`} data-testid="signature-result">
              {verify.status === 'valid'
                ? t('notices.signatureValid', { fp: verify.key.fingerprint })
                : verify.status === 'unsupported'
                  ? t('notices.signatureUnsupported')
                  : t('notices.signatureInvalid', { reason: verify.reason })}
            </div>
          )}
        </Card>
      </div>
      {n.document_url && <DocumentFacts id={n.id} />}
      <Card title={t('notices.targets')}>
        <ul className="mono">
          {n.targets.slice(0, 500).map((x, i) => (
            <li key={i}>
              {en('observableType', x.type)}: {x.value}
            </li>
          ))}
        </ul>
      </Card>
      {n.result && (
        <Card title={t('notices.result')}>
          <p className="prewrap">{n.result.summary}</p>
          {(n.result.evidence_sha256 ?? []).map((h) => (
            <div key={h}>
              <EvidenceLink sha256={h} />
            </div>
          ))}
          {n.verification && (
            <p>
              {t('notices.verification')}: <Badge kind={n.verification.outcome}>{en('verification', n.verification.outcome)}</Badge> {n.verification.reasons}
            </p>
          )}
        </Card>
      )}
      {isRecipient && n.allowed_events.includes('acknowledge') && !n.acknowledged_at && <AckForm id={n.id} onDone={res.reload} />}
      {isRecipient && n.allowed_events.includes('report_result') && <ResultForm id={n.id} onDone={res.reload} />}
      {mayVerify && <VerifyForm id={n.id} onDone={res.reload} />}
      {can.isRegulator(me) && n.allowed_events.includes('issue_written') && <WrittenForm id={n.id} onDone={res.reload} />}
      {n.recipient_org_id === me.org_id && n.case_id && n.kind === 'handling_notice' && <AppealForm caseId={n.case_id} />}
      {can.audit(me) && (
        <p>
          <Link to={`/audit/notice/${n.id}`}>{t('audit.viewTrail')}</Link>
        </p>
      )}
    </>
  );
}

/**
 * What the signed document says beyond the notice's row: the threat and the decision's reasons of a
 * handling notice; the provision, amounts and remedies of a penalty decision (issue 11).
 */
function DocumentFacts({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const en = useEnum();
  const doc = useApi(() => api.get<SignedDocument>(`/api/v1/notices/${id}/document`), [id]);
  const d = doc.data?.document as
    | {
        reasons?: string | null;
        threat?: { label: { zh: string; en: string }; title: string } | null;
        remedies?: { zh: string; en: string } | null;
        penalty?: { provision: string; tier: string; kind: string; unit_amount: number; person_amount: number; person_name: string | null; conduct_date: string } | null;
      }
    | undefined;
  if (!d) return null;
  const lang = i18n.language === 'en' ? 'en' : 'zh';
  const yuan = (x: number) => (x ? `¥${x.toLocaleString()}` : '—');
  const items: [string, React.ReactNode][] = [];
  if (d.threat) items.push([t('notices.threat'), `${d.threat.label[lang]} · ${d.threat.title}`]);
  if (d.reasons) items.push([t('notices.reasons'), <span className="prewrap">{d.reasons}</span>]);
  if (d.penalty) {
    items.push(
      [t('enforcement.provision'), legalLabel(d.penalty.provision, i18n.language, en)],
      [t('notices.penaltyTier'), en('penaltyTier', d.penalty.tier)],
      [t('notices.penaltyKind'), en('penaltyKind', d.penalty.kind)],
      [t('notices.unitAmount'), yuan(d.penalty.unit_amount)],
      [t('notices.personAmount'), d.penalty.person_amount ? `${yuan(d.penalty.person_amount)}${d.penalty.person_name ? ` · ${d.penalty.person_name}` : ''}` : '—'],
      [t('notices.conductDate'), d.penalty.conduct_date],
    );
  }
  if (d.remedies) items.push([t('notices.remedies'), <span className="prewrap">{d.remedies[lang]}</span>]);
  if (items.length === 0) return null;
  return (
    <Card title={t('notices.documentFacts')}>
      <div data-testid="document-facts">
        <Definition items={items} />
      </div>
    </Card>
  );
}

function useStep(fn: () => Promise<unknown>, onDone: () => void) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return {
    error,
    busy,
    run: async (e?: React.FormEvent) => {
      e?.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await fn();
        onDone();
      } catch (err) {
        setError(err);
      } finally {
        setBusy(false);
      }
    },
  };
}

function AckForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const s = useStep(() => api.post(`/api/v1/notices/${id}/acknowledge`), onDone);
  return (
    <Card title={t('notices.acknowledge')} className="action-card">
      <p className="muted">{t('notices.acknowledgeHint')}</p>
      <button type="button" onClick={() => void s.run()} disabled={s.busy} data-testid="acknowledge">
        {t('notices.acknowledge')}
      </button>
      <ErrorBox error={s.error} />
    </Card>
  );
}

function ResultForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [summary, setSummary] = useState('');
  const [evidence, setEvidence] = useState<string[]>([]);
  const [upErr, setUpErr] = useState<unknown>(null);
  const s = useStep(() => api.post(`/api/v1/notices/${id}/result`, { summary, evidence_sha256: evidence.length ? evidence : undefined, completed_at: new Date().toISOString() }), onDone);
  return (
    <Card title={t('notices.reportResult')} className="action-card">
      <form onSubmit={s.run} data-testid="result-form">
        <Field label={t('notices.resultSummary')} htmlFor="r-summary">
          <textarea id="r-summary" rows={4} value={summary} onChange={(e) => setSummary(e.target.value)} required />
        </Field>
        <Field label={t('reportNew.addEvidence')} htmlFor="r-evidence" hint={t('cases.evidenceCount', { count: evidence.length })}>
          <input
            id="r-evidence"
            type="file"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              try {
                const r = await upload<{ sha256: string }>('/api/v1/evidence', f, { contentType: evidenceContentType(f), query: { name: f.name } });
                setEvidence((ev) => [...ev, r.sha256]);
              } catch (err) {
                setUpErr(err);
              }
            }}
          />
        </Field>
        <ErrorBox error={upErr ?? s.error} />
        <button type="submit" disabled={s.busy} data-testid="result-submit">
          {t('common.submit')}
        </button>
      </form>
    </Card>
  );
}

function VerifyForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [outcome, setOutcome] = useState<'accepted' | 'sent_back'>('accepted');
  const [reasons, setReasons] = useState('');
  const s = useStep(() => api.post(`/api/v1/notices/${id}/verification`, { outcome, reasons: reasons || undefined }), onDone);
  return (
    <Card title={t('notices.verifyResult')} className="action-card">
      <form onSubmit={s.run} data-testid="verify-form">
        <fieldset className="radio-row">
          <legend>{t('notices.verification')}</legend>
          <label className="check">
            <input type="radio" name="outcome" checked={outcome === 'accepted'} onChange={() => setOutcome('accepted')} /> {t('enum.verification.accepted')}
          </label>
          <label className="check">
            <input type="radio" name="outcome" checked={outcome === 'sent_back'} onChange={() => setOutcome('sent_back')} /> {t('enum.verification.sent_back')}
          </label>
        </fieldset>
        <Field label={t('cases.reasons')} htmlFor="vr-reasons">
          <textarea id="vr-reasons" rows={2} value={reasons} onChange={(e) => setReasons(e.target.value)} required={outcome === 'sent_back'} />
        </Field>
        <ErrorBox error={s.error} />
        <button type="submit" disabled={s.busy} data-testid="verify-submit">
          {t('common.submit')}
        </button>
      </form>
    </Card>
  );
}

function WrittenForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const s = useStep(() => api.post(`/api/v1/notices/${id}/written`), onDone);
  return (
    <Card title={t('notices.issueWritten')} className="action-card">
      <p className="muted">{t('notices.issueWrittenHint')}</p>
      <button type="button" onClick={() => void s.run()} disabled={s.busy}>
        {t('notices.issueWritten')}
      </button>
      <ErrorBox error={s.error} />
    </Card>
  );
}
