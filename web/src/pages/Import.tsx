/** Bulk import of CSV, NDJSON or a plain list, with an upload progress bar and the receipt. */
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Card, ErrorBox, Field, PageHeader, Progress } from '../components/ui';
import { upload } from '../lib/api';
import { TLP } from '../lib/domain';
import { formatBytes } from '../lib/format';
import { CategoryFields } from '../components/CategoryFields';

interface Receipt {
  id: string;
  report_id: string | null;
  total: number;
  accepted: number;
  duplicates: number;
  refused: number;
  refusals: { line: number; value: string; code: string; message: string }[];
}

const CONTENT_TYPES: Record<string, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson', lines: 'text/plain' };

function formatFromName(name: string): string {
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(nd)?jsonl?$/i.test(name)) return 'ndjson';
  return 'lines';
}

export function ImportPage() {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState('lines');
  const [category, setCategory] = useState('malicious_resource');
  const [subtype, setSubtype] = useState('botnet_c2');
  const [tlp, setTlp] = useState('amber');
  const [title, setTitle] = useState('');
  const [validDays, setValidDays] = useState('90');
  const [sent, setSent] = useState(0);
  const [phase, setPhase] = useState<'idle' | 'uploading' | 'processing' | 'done'>('idle');
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setError(null);
    setReceipt(null);
    setSent(0);
    setPhase('uploading');
    abort.current = new AbortController();
    try {
      const r = await upload<Receipt>('/api/v1/imports', file, {
        contentType: CONTENT_TYPES[format],
        query: { format, category, subtype, tlp, title: title || undefined, valid_days: validDays ? Number(validDays) : undefined },
        headers: { 'Idempotency-Key': `console-${file.name}-${file.size}-${file.lastModified}` },
        signal: abort.current.signal,
        onProgress: (s, total) => {
          setSent(s);
          if (s >= total) setPhase('processing');
        },
      });
      setReceipt(r);
      setPhase('done');
    } catch (err) {
      setError(err);
      setPhase('idle');
    }
  };

  return (
    <>
      <PageHeader title={t('import.title')}>{t('import.subtitle')}</PageHeader>
      <form onSubmit={submit} className="form-grid">
        <Card title={t('import.file')}>
          <Field label={t('import.chooseFile')} htmlFor="import-file" hint={t('import.formats')}>
            <input
              id="import-file"
              type="file"
              accept=".csv,.txt,.ndjson,.jsonl,.json,text/plain,text/csv"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                if (f) setFormat(formatFromName(f.name));
              }}
              data-testid="import-file"
            />
          </Field>
          {file && (
            <p className="muted">
              {file.name} · {formatBytes(file.size)}
            </p>
          )}
          <div className="row-3">
            <Field label={t('import.format')} htmlFor="import-format">
              <select id="import-format" value={format} onChange={(e) => setFormat(e.target.value)}>
                <option value="lines">{t('import.formatLines')}</option>
                <option value="csv">CSV</option>
                <option value="ndjson">NDJSON</option>
              </select>
            </Field>
            <CategoryFields idPrefix="import-" category={category} subtype={subtype} onChange={(c, st) => { setCategory(c); setSubtype(st); }} />
          </div>
          <div className="row-3">
            <Field label="TLP" htmlFor="import-tlp">
              <select id="import-tlp" value={tlp} onChange={(e) => setTlp(e.target.value)}>
                {TLP.map((x) => (
                  <option key={x} value={x}>
                    TLP:{x.toUpperCase()}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('reports.reportTitle')} htmlFor="import-title">
              <input id="import-title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={300} />
            </Field>
            <Field label={t('import.validDays')} htmlFor="import-valid">
              <input id="import-valid" type="number" min={1} max={3650} value={validDays} onChange={(e) => setValidDays(e.target.value)} />
            </Field>
          </div>
          <div className="form-actions">
            <button type="submit" disabled={!file || phase === 'uploading' || phase === 'processing'} data-testid="import-submit">
              {t('import.start')}
            </button>
            {phase === 'uploading' && (
              <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
                {t('common.cancel')}
              </button>
            )}
          </div>
          {(phase === 'uploading' || phase === 'processing') && file && (
            <div aria-live="polite">
              <Progress value={sent} max={file.size} label={t('import.uploading')} />
              <p className="muted">{phase === 'uploading' ? t('import.uploading') : t('import.processing')}</p>
            </div>
          )}
        </Card>
      </form>
      <ErrorBox error={error} />
      {receipt && (
        <Card title={t('import.receipt')}>
          <div className="kpis" data-testid="import-receipt">
            <div className="kpi">
              <div className="kpi-value">{receipt.total}</div>
              <div className="kpi-label">{t('import.total')}</div>
            </div>
            <div className="kpi good">
              <div className="kpi-value">{receipt.accepted}</div>
              <div className="kpi-label">{t('import.accepted')}</div>
            </div>
            <div className="kpi">
              <div className="kpi-value">{receipt.duplicates}</div>
              <div className="kpi-label">{t('import.duplicates')}</div>
            </div>
            <div className={`kpi ${receipt.refused ? 'bad' : ''}`}>
              <div className="kpi-value">{receipt.refused}</div>
              <div className="kpi-label">{t('import.refused')}</div>
            </div>
          </div>
          {receipt.report_id && <Link to={`/reports/${receipt.report_id}`}>{t('import.viewReport')}</Link>}
          {receipt.refusals.length > 0 && (
            <table className="data compact">
              <thead>
                <tr>
                  <th>{t('import.line')}</th>
                  <th>{t('indicators.value')}</th>
                  <th>{t('import.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {receipt.refusals.slice(0, 200).map((r) => (
                  <tr key={r.line}>
                    <td>{r.line}</td>
                    <td className="mono">{r.value}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      )}
    </>
  );
}
