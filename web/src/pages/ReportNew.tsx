/** Submit a report (Art. 6) in the specified content elements, with evidence files. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { Card, ErrorBox, Field, PageHeader, Progress, useEnum } from '../components/ui';
import { api, evidenceContentType, upload } from '../lib/api';
import { OBSERVABLE_TYPES, TLP, type Report } from '../lib/domain';
import { formatBytes } from '../lib/format';
import { CategoryFields } from '../components/CategoryFields';

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

export function ReportNewPage() {
  const { t } = useTranslation();
  const en = useEnum();
  const navigate = useNavigate();
  const [category, setCategory] = useState('malicious_resource');
  const [subtype, setSubtype] = useState('phishing_site');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [discoveredAt, setDiscoveredAt] = useState(() => toLocalInput(new Date()));
  const [tlp, setTlp] = useState('amber');
  const [rows, setRows] = useState<Row[]>([{ type: 'domain', value: '', touched: false }]);
  const [affected, setAffected] = useState('');
  const [affectedKind, setAffectedKind] = useState('');
  const [selfHandled, setSelfHandled] = useState(false);
  const [disclose, setDisclose] = useState(false);
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
        discovered_at: new Date(discoveredAt).toISOString(),
        observables: rows.filter((r) => r.value.trim()).map((r) => ({ type: r.type, value: r.value.trim() })),
        tlp,
        affected_party: affected ? { name: affected, ...(affectedKind ? { kind: affectedKind } : {}) } : undefined,
        self_handled: selfHandled || undefined,
        disclose_reporter: disclose || undefined,
        evidence_sha256: evidence.filter((x) => x.sha256).map((x) => x.sha256!),
      };
      const receipt = await api.post<Report>('/api/v1/reports', body);
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
      <form onSubmit={submit} className="form-grid" aria-label={t('reportNew.title')}>
        <Card title={t('reportNew.what')}>
          <div className="row-2">
            <CategoryFields idPrefix="" category={category} subtype={subtype} onChange={(c, st) => { setCategory(c); setSubtype(st); }} />
          </div>
          <Field label={t('reports.reportTitle')} htmlFor="title">
            <input id="title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} />
          </Field>
          <Field label={t('reports.description')} htmlFor="description">
            <textarea id="description" rows={4} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={20000} />
          </Field>
          <div className="row-2">
            <Field label={t('reports.discoveredAt')} htmlFor="discovered">
              <input id="discovered" type="datetime-local" value={discoveredAt} onChange={(e) => setDiscoveredAt(e.target.value)} required />
            </Field>
            <Field label="TLP" htmlFor="tlp" hint={t('reportNew.tlpHint')}>
              <select id="tlp" value={tlp} onChange={(e) => setTlp(e.target.value)}>
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
              <input aria-label={t('indicators.value')} className="mono" value={r.value} placeholder={t('reportNew.valuePlaceholder')} onChange={(e) => setRow(i, { value: e.target.value })} data-testid={`observable-${i}`} />
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

export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
