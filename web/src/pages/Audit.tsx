/** The audit trail of any object as a timeline, from the hash-chained log. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { OrgName } from '../components/OrgName';
import { Card, Empty, ErrorBox, Loading, PageHeader } from '../components/ui';
import { api } from '../lib/api';
import type { AuditEntry } from '../lib/domain';
import { formatTime } from '../lib/format';
import { useApi } from '../lib/hooks';

const TYPES = ['case', 'report', 'notice', 'decision', 'appeal', 'enforcement_case', 'organization', 'user', 'indicator', 'api_token', 'import'];

export function AuditPage() {
  const { type, id } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [objType, setObjType] = useState(type ?? 'case');
  const [objId, setObjId] = useState(id ?? '');
  const res = useApi(type && id ? () => api.get<AuditEntry[]>(`/api/v1/audit/${encodeURIComponent(type)}/${encodeURIComponent(id)}`) : null, [type, id]);
  const [chain, setChain] = useState<{ ok: boolean; entries: number } | null>(null);
  const [chainError, setChainError] = useState<unknown>(null);

  const go = (e: FormEvent) => {
    e.preventDefault();
    if (objId.trim()) navigate(`/audit/${objType}/${objId.trim()}`);
  };

  return (
    <>
      <PageHeader title={t('audit.title')}>{t('audit.subtitle')}</PageHeader>
      <form className="filters" onSubmit={go}>
        <label className="filter" htmlFor="a-type">
          <span>{t('audit.objectType')}</span>
          <select id="a-type" value={objType} onChange={(e) => setObjType(e.target.value)}>
            {[...new Set([...TYPES, objType])].map((x) => (
              <option key={x} value={x}>
                {t(`enum.objectType.${x}`, { defaultValue: x })}
              </option>
            ))}
          </select>
        </label>
        <label className="filter grow" htmlFor="a-id">
          <span>{t('audit.objectId')}</span>
          <input id="a-id" className="mono" value={objId} onChange={(e) => setObjId(e.target.value)} />
        </label>
        <button type="submit">{t('audit.show')}</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setChainError(null);
            api.get<{ ok: boolean; entries: number }>('/api/v1/audit/verify').then(setChain, setChainError);
          }}
        >
          {t('audit.verifyChain')}
        </button>
      </form>
      <ErrorBox error={chainError} />
      {chain && <div className={`notice-box ${chain.ok ? 'ok' : 'error'}`}>{chain.ok ? t('audit.chainOk', { count: chain.entries }) : t('audit.chainBroken')}</div>}
      {res.loading && <Loading />}
      <ErrorBox error={res.error} />
      {res.data && (
        <Card title={`${t(`enum.objectType.${type}`, { defaultValue: type })} ${id}`}>
          {res.data.length === 0 ? <Empty /> : <Timeline entries={res.data} />}
        </Card>
      )}
    </>
  );
}

export function Timeline({ entries }: { entries: AuditEntry[] }) {
  const { t } = useTranslation();
  return (
    <ol className="timeline" data-testid="timeline">
      {entries.map((e) => (
        <li key={e.seq}>
          <div className="tl-dot" aria-hidden />
          <div className="tl-body">
            <div className="tl-head">
              <strong>{t(`enum.auditAction.${e.action}`, { defaultValue: e.action })}</strong>
              <span className="muted small">
                {formatTime(e.at)} · #{e.seq}
              </span>
            </div>
            <div className="small">
              {t('audit.actor')}: {e.actor_org_id ? <OrgName id={e.actor_org_id} /> : t('audit.system')}
              {e.actor_user_id ? ` · ${t('audit.user')} ${e.actor_user_id.slice(0, 8)}` : ''}
              {e.actor_token_id ? ` · ${t('audit.token')} ${e.actor_token_id.slice(0, 8)}` : ''}
            </div>
            {Object.keys(e.data).length > 0 && (
              <details>
                <summary className="small">{t('audit.data')}</summary>
                <pre className="small">{JSON.stringify(e.data, null, 2)}</pre>
              </details>
            )}
            <div className="hash small muted" title={e.hash}>
              hash {e.hash.slice(0, 16)}…
            </div>
          </div>
        </li>
      ))}
    </ol>
  );
}
