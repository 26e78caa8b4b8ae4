/**
 * The audit log: the whole log newest first, filtered by organization, kind of action, object and
 * time, with restricted reads grouped; and the trail of one object as a timeline.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { OrgName } from '../components/OrgName';
import { Card, Empty, ErrorBox, Loading, PageHeader } from '../components/ui';
import { api } from '../lib/api';
import type { AuditEntry, Organization } from '../lib/domain';
import { formatTime } from '../lib/format';
import { useApi, useLabels } from '../lib/hooks';
import { fromLocalInput } from './ReportNew';

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
      {!(type && id) && <AuditLog />}
    </>
  );
}

const KINDS = ['case.', 'report.', 'decision.', 'notice.', 'appeal.', 'enforcement.', 'bulletin.', 'release.', 'organization.', 'user.', 'token.', 'session.', 'import.', 'evidence.'];

interface ReadGroup {
  actor_org_id: string | null;
  object_type: string;
  channel: string | null;
  entries: number;
  records: number;
  last_at: string;
}

/** The whole log, newest first, filtered; restricted reads grouped unless asked for one by one. */
function AuditLog() {
  const { t } = useTranslation();
  const labels = useLabels();
  const [actor, setActor] = useState('');
  const [kind, setKind] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [readsListed, setReadsListed] = useState(false);
  const [before, setBefore] = useState<number[]>([]);
  const orgs = useApi(() => api.get<{ items: Organization[] }>('/api/v1/organizations', { limit: 500 }), []);
  const cursor = before[before.length - 1];
  const res = useApi(
    () =>
      api.get<{ entries: AuditEntry[]; reads: ReadGroup[] | null; next_before_seq: number | null }>('/api/v1/audit', {
        actor_org_id: actor,
        action: kind,
        since: since ? fromLocalInput(since) : '',
        until: until ? fromLocalInput(until) : '',
        reads: readsListed ? 'include' : 'exclude',
        before_seq: cursor,
        limit: 50,
      }),
    [actor, kind, since, until, readsListed, cursor],
  );
  useEffect(() => setBefore([]), [actor, kind, since, until, readsListed]);
  return (
    <>
      <h2 className="section">{t('audit.listTitle')}</h2>
      <div className="filters" data-testid="audit-filters">
        <label className="filter" htmlFor="al-actor">
          <span>{t('audit.filterActor')}</span>
          <select id="al-actor" value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">{t('audit.anyone')}</option>
            {(orgs.data?.items ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {labels.orgName(o)}
              </option>
            ))}
          </select>
        </label>
        <label className="filter" htmlFor="al-kind">
          <span>{t('audit.filterKind')}</span>
          <select id="al-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">{t('audit.allKinds')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`enum.objectType.${k.slice(0, -1)}`, { defaultValue: k.slice(0, -1) })}
              </option>
            ))}
          </select>
        </label>
        <label className="filter" htmlFor="al-since">
          <span>{t('audit.since')}</span>
          <input id="al-since" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
        </label>
        <label className="filter" htmlFor="al-until">
          <span>{t('audit.until')}</span>
          <input id="al-until" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
        </label>
        <button type="button" className="secondary" onClick={() => setReadsListed((x) => !x)}>
          {readsListed ? t('audit.groupReads') : t('audit.listReads')}
        </button>
      </div>
      <ErrorBox error={res.error} />
      {res.loading && <Loading />}
      {res.data && (
        <>
          <Card>
            {res.data.entries.length === 0 ? <Empty /> : <LogTable entries={res.data.entries} />}
            <div className="pager">
              <button type="button" className="secondary" disabled={before.length === 0} onClick={() => setBefore((b) => b.slice(0, -1))}>
                ← {t('common.prev')}
              </button>
              <button type="button" className="secondary" disabled={!res.data.next_before_seq} onClick={() => setBefore((b) => [...b, res.data!.next_before_seq!])}>
                {t('audit.more')} →
              </button>
            </div>
          </Card>
          {res.data.reads && res.data.reads.length > 0 && (
            <Card title={t('audit.readsTitle')}>
              <p className="hint">{t('audit.readsHint')}</p>
              <table className="data compact" data-testid="audit-reads">
                <thead>
                  <tr>
                    <th>{t('audit.actor')}</th>
                    <th>{t('audit.object')}</th>
                    <th>{t('audit.channel')}</th>
                    <th>{t('audit.entries')}</th>
                    <th>{t('audit.records')}</th>
                    <th>{t('audit.lastAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {res.data.reads.map((g, i) => (
                    <tr key={i}>
                      <td>{g.actor_org_id ? <OrgName id={g.actor_org_id} /> : t('audit.system')}</td>
                      <td>{t(`enum.objectType.${g.object_type}`, { defaultValue: g.object_type })}</td>
                      <td>{g.channel ?? '—'}</td>
                      <td className="num">{g.entries}</td>
                      <td className="num">{g.records}</td>
                      <td>{formatTime(g.last_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )}
        </>
      )}
    </>
  );
}

/** Log entries as rows: when, what (translated), who, which object (a link to its trail). */
function LogTable({ entries }: { entries: AuditEntry[] }) {
  const { t } = useTranslation();
  return (
    <table className="data compact" data-testid="audit-log">
      <thead>
        <tr>
          <th>{t('common.time')}</th>
          <th>{t('audit.filterKind')}</th>
          <th>{t('audit.actor')}</th>
          <th>{t('audit.object')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.seq}>
            <td>{formatTime(e.at)}</td>
            <td>{t(`enum.auditAction.${e.action}`, { defaultValue: e.action })}</td>
            <td>{e.actor_org_id ? <OrgName id={e.actor_org_id} /> : t('audit.system')}</td>
            <td>
              <Link to={`/audit/${encodeURIComponent(e.object_type)}/${encodeURIComponent(e.object_id)}`}>{t(`enum.objectType.${e.object_type}`, { defaultValue: e.object_type })}</Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
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
