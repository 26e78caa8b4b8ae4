/** Submit a report (Art. 6) in the specified content elements, with evidence files. */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { Card, ErrorBox, Field, PageHeader, Progress, useEnum } from '../components/ui';
import { api, evidenceContentType, upload } from '../lib/api';
import { OBSERVABLE_TYPES, TLP, type Report } from '../lib/domain';
import { formatBytes, formatTimeBare, timeZoneLabel } from '../lib/format';
import { CategoryFields } from '../components/CategoryFields';
import { useMe } from '../lib/session';

interface Row {
  type: string;
  value: string;
  touched: boolean;
}

/** A first guess of an observable's type as the user types; the server normalizes and decides. */
export function guessType(v: string): string {
  const s = v.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(s) || /^[0-9a-f:]+\/\d{1,3}$/i.test(s)) return 'cidr';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return 'ipv4';
  if (/^[0-9a-f]*:[0-9a-f:]+$/i.test(s)) return 'ipv6';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return 'url';
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)) return 'email';
  if (/^\+?[\d\s-]{7,}$/.test(s)) return 'phone';
  if (/^([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i.test(s)) return 'file_hash';
  if (/^(CVE-\d{4}-\d+|CNVD-\d{4}-\d+|CNNVD-\d{6}-\d+)$/i.test(s)) return 'vulnerability';
  return 'domain';
}

interface Evidence {
  name: string;
  size: number;
  sent: number;
  sha256?: string;
  error?: string;
}

/** What a half-typed report keeps in this browser, per user, until it is submitted. */
interface Draft {
  category: string;
  subtype: string;
  title: string;
  description: string;
  discoveredAt: string;
  tlp: string;
  rows: Row[];
  affected: string;
  affectedKind: string;
  selfHandled: boolean;
  disclose: boolean;
}

const draftKey = (userId: string) => `threatshare.draft.report.${userId}`;

function loadDraft(userId: string): Partial<Draft> {
  try {
    return JSON.parse(localStorage.getItem(draftKey(userId)) ?? '{}') as Partial<Draft>;
  } catch {
    return {};
  }
}

export function ReportNewPage() {
  const { t } = useTranslation();
  const en = useEnum();
  const navigate = useNavigate();
  const me = useMe();
  // An expired session or a closed tab must not lose a half-typed report: the form is a draft in
  // local storage until it is accepted.
  const [draft] = useState(() => loadDraft(me.user_id));
  const [category, setCategory] = useState(draft.category ?? 'malicious_resource');
  const [subtype, setSubtype] = useState(draft.subtype ?? 'phishing_site');
  const [title, setTitle] = useState(draft.title ?? '');
  const [description, setDescription] = useState(draft.description ?? '');
  const [discoveredAt, setDiscoveredAt] = useState(() => draft.discoveredAt ?? toLocalInput(new Date()));
  const [tlp, setTlp] = useState(draft.tlp ?? 'amber');
  const [rows, setRows] = useState<Row[]>(draft.rows?.length ? draft.rows : [{ type: 'domain', value: '', touched: false }]);
  const [affected, setAffected] = useState(draft.affected ?? '');
  const [affectedKind, setAffectedKind] = useState(draft.affectedKind ?? '');
  const [selfHandled, setSelfHandled] = useState(draft.selfHandled ?? false);
  const [disclose, setDisclose] = useState(draft.disclose ?? false);
  const restored = !!(draft.title || draft.description || draft.rows?.some((r) => r.value));
  const current: Draft = { category, subtype, title, description, discoveredAt, tlp, rows, affected, affectedKind, selfHandled, disclose };
  const serialized = JSON.stringify(current);
  useEffect(() => {
    const id = setTimeout(() => {
      try {
        localStorage.setItem(draftKey(me.user_id), serialized);
      } catch {
        /* storage full or disabled: the form still works */
      }
    }, 300);
    return () => clearTimeout(id);
  }, [serialized, me.user_id]);
  const discardDraft = () => {
    localStorage.removeItem(draftKey(me.user_id));
    window.location.reload();
  };
  const [evidence, setEvidence] = useState<Evidence[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);


  const setRow = (i: number, patch: Partial<Row>) =>
    setRows((rs) =>
      rs.map((r, j) => {
        if (j !== i) return r;
        const next = { ...r, ...patch };
        if (patch.value !== undefined && !r.touched) next.type = guessType(patch.value);
        return next;
      }),
    );

  const addFiles = async (files: FileList | null) => {
    if (!files) return;
    for (const f of Array.from(files)) {
      const idx = evidence.length;
      setEvidence((ev) => [...ev, { name: f.name, size: f.size, sent: 0 }]);
      const update = (p: Partial<Evidence>) => setEvidence((ev) => ev.map((e, j) => (j === idx ? { ...e, ...p } : e)));
      try {
        const r = await upload<{ sha256: string }>('/api/v1/evidence', f, { contentType: evidenceContentType(f), query: { name: f.name }, onProgress: (sent) => update({ sent }) });
        update({ sha256: r.sha256, sent: f.size });
      } catch (e) {
        update({ error: (e as Error).message });
      }
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        category,
        subtype,
        title,
        description: description || undefined,
        discovered_at: fromLocalInput(discoveredAt),
        observables: rows.filter((r) => r.value.trim()).map((r) => ({ type: r.type, value: r.value.trim() })),
        tlp,
        affected_party: affected ? { name: affected, ...(affectedKind ? { kind: affectedKind } : {}) } : undefined,
        self_handled: selfHandled || undefined,
        disclose_reporter: disclose || undefined,
        evidence_sha256: evidence.filter((x) => x.sha256).map((x) => x.sha256!),
      };
      const receipt = await api.post<Report>('/api/v1/reports', body);
      localStorage.removeItem(draftKey(me.user_id));
      navigate(`/reports/${receipt.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title={t('reportNew.title')}>{t('reportNew.subtitle')}</PageHeader>
      {restored && (
        <div className="notice-box warn" role="status" data-testid="draft-restored">
          {t('reportNew.draftRestored')}{' '}
          <button type="button" className="link" onClick={discardDraft}>
            {t('reportNew.discardDraft')}
          </button>
        </div>
      )}
      <form onSubmit={submit} className="form-grid" aria-label={t('reportNew.title')}>
        <Card title={t('reportNew.what')}>
          <div className="row-2">
            <CategoryFields idPrefix="" category={category} subtype={subtype} onChange={(c, st) => { setCategory(c); setSubtype(st); }} />
          </div>
          <Field label={t('reports.reportTitle')} htmlFor="title">
            <input id="title" data-field="/title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} />
          </Field>
          <Field label={t('reports.description')} htmlFor="description">
            <textarea id="description" data-field="/description" rows={4} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={20000} />
          </Field>
          <div className="row-2">
            <Field label={`${t('reports.discoveredAt')} (${timeZoneLabel()})`} htmlFor="discovered">
              <input id="discovered" data-field="/discovered_at" type="datetime-local" value={discoveredAt} onChange={(e) => setDiscoveredAt(e.target.value)} required />
            </Field>
            <Field label="TLP" htmlFor="tlp" hint={t('reportNew.tlpHint')}>
              <select id="tlp" data-field="/tlp" value={tlp} onChange={(e) => setTlp(e.target.value)}>
                {TLP.map((x) => (
                  <option key={x} value={x}>
                    TLP:{x.toUpperCase()}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        </Card>
        <Card title={t('reports.observables')}>
          {rows.map((r, i) => (
            <div className="observable-row" key={i}>
              <select aria-label={t('indicators.type')} value={r.type} onChange={(e) => setRow(i, { type: e.target.value, touched: true })}>
                {OBSERVABLE_TYPES.map((x) => (
                  <option key={x} value={x}>
                    {en('observableType', x)}
                  </option>
                ))}
              </select>
              <input aria-label={t('indicators.value')} data-field={`/observables/${observableIndex(rows, i)}/value`} className="mono" value={r.value} placeholder={t('reportNew.valuePlaceholder')} onChange={(e) => setRow(i, { value: e.target.value })} data-testid={`observable-${i}`} />
              <button type="button" className="secondary" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))} disabled={rows.length === 1} aria-label={t('common.remove')}>
                ✕
              </button>
            </div>
          ))}
          <button type="button" className="secondary" onClick={() => setRows((rs) => [...rs, { type: 'domain', value: '', touched: false }])}>
            + {t('reportNew.addObservable')}
          </button>
        </Card>
        <Card title={t('reportNew.context')}>
          <div className="row-2">
            <Field label={t('reports.affectedParty')} htmlFor="affected">
              <input id="affected" value={affected} onChange={(e) => setAffected(e.target.value)} maxLength={200} />
            </Field>
            <Field label={t('reportNew.affectedKind')} htmlFor="affected-kind">
              <select id="affected-kind" value={affectedKind} onChange={(e) => setAffectedKind(e.target.value)}>
                <option value="">—</option>
                {['party_government', 'critical_information_infrastructure', 'enterprise', 'individual', 'other'].map((k) => (
                  <option key={k} value={k}>
                    {en('affectedKind', k)}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <label className="check">
            <input type="checkbox" checked={selfHandled} onChange={(e) => setSelfHandled(e.target.checked)} /> {t('reportNew.selfHandled')}
          </label>
          <label className="check">
            <input type="checkbox" checked={disclose} onChange={(e) => setDisclose(e.target.checked)} /> {t('reportNew.disclose')}
          </label>
        </Card>
        <Card title={t('reports.evidence')}>
          <Field label={t('reportNew.addEvidence')} htmlFor="evidence" hint={t('reportNew.evidenceHint')}>
            <input id="evidence" type="file" multiple onChange={(e) => void addFiles(e.target.files)} data-testid="evidence-input" />
          </Field>
          <ul className="uploads">
            {evidence.map((x, i) => (
              <li key={i}>
                <span>
                  {x.name} ({formatBytes(x.size)})
                </span>
                {x.error ? <span className="bad">{x.error}</span> : x.sha256 ? <code className="small">sha256 {x.sha256.slice(0, 16)}…</code> : <Progress value={x.sent} max={x.size} label={x.name} />}
              </li>
            ))}
          </ul>
        </Card>
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="submit" disabled={busy || evidence.some((x) => !x.sha256 && !x.error)} data-testid="report-submit">
            {busy ? t('common.working') : t('reportNew.submit')}
          </button>
        </div>
      </form>
    </>
  );
}

/**
 * The index a form row has in the submitted `observables` (blank rows are dropped), so that a
 * problem's pointer `/observables/N/value` highlights the row the user typed.
 */
function observableIndex(rows: Row[], i: number): number {
  return rows.slice(0, i).filter((r) => r.value.trim()).length;
}

/** A `datetime-local` value in Beijing time (the console's one zone), whatever the browser's zone. */
export function toLocalInput(d: Date): string {
  return formatTimeBare(d.toISOString()).replace(' ', 'T');
}

/** The instant a `datetime-local` value names, read as Beijing time (UTC+8, no daylight saving). */
export function fromLocalInput(v: string): string {
  return new Date(`${v.length === 16 ? `${v}:00` : v}+08:00`).toISOString();
}
