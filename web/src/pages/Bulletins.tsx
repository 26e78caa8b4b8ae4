/**
 * Bulletins (通报) to named units or kinds of units, with read receipts, and public releases
 * (发布, Art. 11) that a regulator approves before they are published.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Card, Definition, Empty, ErrorBox, Field, Loading, PageHeader, useEnum } from '../components/ui';
import { OrgName } from '../components/OrgName';
import { api } from '../lib/api';
import { ORG_KINDS, TLP, type Indicator, type Organization } from '../lib/domain';
import { formatTime, shown } from '../lib/format';
import { useApi, useDebounced, useLabels } from '../lib/hooks';
import { can, useMe } from '../lib/session';

interface BulletinSummary {
  id: string;
  title: string;
  tlp: string;
  severity: string | null;
  warning_colour: string | null;
  sent_at: string;
  read_at: string | null;
  indicator_count: number;
}
interface Bulletin extends Omit<BulletinSummary, 'indicator_count'> {
  sender_org_id: string;
  body: string;
  indicators: { id: string; type: string; value: string }[];
  receipts: { org_id: string; name: string; delivered_at: string; read_at: string | null }[] | null;
}
interface Release {
  id: string;
  state: string;
  author_org_id: string;
  title_zh: string;
  title_en: string | null;
  summary_zh: string;
  summary_en: string | null;
  warning_colour: string | null;
  review_reasons: string | null;
  created_at: string;
  published_at: string | null;
}

const COLOURS = ['red', 'orange', 'yellow', 'blue'];
const UNIT_KINDS = ORG_KINDS.filter((k) => ['telecom_operator', 'security_vendor', 'internet_company', 'domain_registrar'].includes(k));

export function BulletinsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [tab, setTab] = useState<'bulletins' | 'releases'>('bulletins');
  return (
    <>
      <PageHeader title={t('nav.bulletins')}>{t('bulletins.subtitle')}</PageHeader>
      <div className="tabs" role="tablist">
        {(['bulletins', 'releases'] as const).map((x) => (
          <button key={x} type="button" role="tab" aria-selected={tab === x} className={tab === x ? '' : 'secondary'} onClick={() => setTab(x)}>
            {t(`bulletins.tab.${x}`)}
          </button>
        ))}
        <a className="button secondary" href="/releases" target="_blank" rel="noreferrer">
          {t('bulletins.publicPage')}
        </a>
      </div>
      {tab === 'bulletins' ? <BulletinsTab canSend={can.isRegulator(me)} /> : <ReleasesTab canDraft={can.isRegulator(me) || can.isInstitution(me)} canApprove={can.isRegulator(me)} />}
    </>
  );
}

function BulletinsTab({ canSend }: { canSend: boolean }) {
  const { t } = useTranslation();
  const en = useEnum();
  const list = useApi(() => api.get<{ items: BulletinSummary[] }>('/api/v1/bulletins', { limit: 50 }), []);
  const [open, setOpen] = useState<string | null>(null);
  const [composing, setComposing] = useState(false);
  return (
    <>
      {canSend && !composing && (
        <p>
          <button type="button" onClick={() => setComposing(true)}>
            {t('bulletins.compose')}
          </button>
        </p>
      )}
      {composing && <BulletinForm onDone={() => (setComposing(false), list.reload())} onCancel={() => setComposing(false)} />}
      <ErrorBox error={list.error} />
      {list.loading && <Loading />}
      {list.data && list.data.items.length === 0 && <Empty />}
      {list.data && list.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th>{t('bulletins.sentAt')}</th>
                <th>{t('reports.reportTitle')}</th>
                <th>TLP</th>
                <th>{t('bulletins.warning')}</th>
                <th>{t('bulletins.indicators')}</th>
                <th>{t('bulletins.read')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((b) => (
                <tr key={b.id}>
                  <td>{formatTime(b.sent_at)}</td>
                  <td>
                    <button type="button" className="link" onClick={() => setOpen(open === b.id ? null : b.id)} aria-expanded={open === b.id}>
                      {b.title}
                    </button>
                  </td>
                  <td>TLP:{b.tlp.toUpperCase()}</td>
                  <td>{b.warning_colour ? <Badge kind={`colour-${b.warning_colour}`}>{en('warningColour', b.warning_colour)}</Badge> : '—'}</td>
                  <td className="num">{b.indicator_count}</td>
                  <td>{formatTime(b.read_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && <BulletinView id={open} />}
    </>
  );
}

function BulletinView({ id }: { id: string }) {
  const { t } = useTranslation();
  const en = useEnum();
  const res = useApi(() => api.get<Bulletin>(`/api/v1/bulletins/${id}`), [id]);
  if (res.loading) return <Loading />;
  if (!res.data) return <ErrorBox error={res.error} />;
  const b = res.data;
  return (
    <Card title={b.title}>
      <Definition items={[[t('bulletins.sender'), <OrgName id={b.sender_org_id} />], [t('bulletins.sentAt'), formatTime(b.sent_at)], ['TLP', `TLP:${b.tlp.toUpperCase()}`]]} />
      <p className="prewrap">{b.body}</p>
      {b.indicators.length > 0 && (
        <ul className="mono">
          {b.indicators.slice(0, 200).map((i) => (
            <li key={i.id}>
              {en('observableType', i.type)}: {shown(i.value)}
            </li>
          ))}
        </ul>
      )}
      {b.receipts && (
        <>
          <h3>{t('bulletins.receipts')}</h3>
          <table className="data compact">
            <tbody>
              {b.receipts.map((r) => (
                <tr key={r.org_id}>
                  <td>{r.name}</td>
                  <td>{r.read_at ? `${t('bulletins.readAt')} ${formatTime(r.read_at)}` : t('bulletins.unread')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}

/**
 * Choose records by what they are called, not by id: type part of a name or value, pick from the
 * matches; the picked ones are chips that can be removed.
 */
function Picker({ id, label, hint, picked, onChange, search }: { id: string; label: string; hint?: string; picked: { id: string; label: string }[]; onChange: (v: { id: string; label: string }[]) => void; search: (q: string) => Promise<{ id: string; label: string }[]> }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const dq = useDebounced(q.trim());
  const found = useApi(dq.length >= 2 ? () => search(dq) : null, [dq]);
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <div className="chips">
        {picked.map((p) => (
          <span key={p.id} className="badge chip">
            {p.label}{' '}
            <button type="button" className="link" aria-label={t('common.remove')} onClick={() => onChange(picked.filter((x) => x.id !== p.id))}>
              ✕
            </button>
          </span>
        ))}
      </div>
      <input id={id} value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('bulletins.pickPlaceholder')} data-testid={`${id}-search`} />
      {found.data && found.data.length > 0 && (
        <ul className="pick-list">
          {found.data
            .filter((f) => !picked.some((p) => p.id === f.id))
            .map((f) => (
              <li key={f.id}>
                <button type="button" className="link" onClick={() => (onChange([...picked, f]), setQ(''))}>
                  + {f.label}
                </button>
              </li>
            ))}
        </ul>
      )}
    </Field>
  );
}

function BulletinForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const en = useEnum();
  const labels = useLabels();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [tlp, setTlp] = useState('amber');
  const [colour, setColour] = useState('');
  const [kinds, setKinds] = useState<string[]>(['telecom_operator']);
  const [orgs, setOrgs] = useState<{ id: string; label: string }[]>([]);
  const [indicators, setIndicators] = useState<{ id: string; label: string }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/api/v1/bulletins', {
        title,
        body,
        tlp,
        ...(colour ? { warning_colour: colour } : {}),
        indicator_ids: indicators.map((i) => i.id),
        recipients: { ...(kinds.length ? { org_kinds: kinds } : {}), ...(orgs.length ? { org_ids: orgs.map((o) => o.id) } : {}) },
      });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t('bulletins.compose')} className="action-card">
      <form onSubmit={submit}>
        <Field label={t('reports.reportTitle')} htmlFor="b-title">
          <input id="b-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
        </Field>
        <Field label={t('bulletins.body')} htmlFor="b-body">
          <textarea id="b-body" rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
        </Field>
        <div className="row-2">
          <Field label="TLP" htmlFor="b-tlp">
            <select id="b-tlp" value={tlp} onChange={(e) => setTlp(e.target.value)}>
              {TLP.map((x) => (
                <option key={x} value={x}>
                  TLP:{x.toUpperCase()}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('bulletins.warning')} htmlFor="b-colour">
            <select id="b-colour" value={colour} onChange={(e) => setColour(e.target.value)}>
              <option value="">—</option>
              {COLOURS.map((c) => (
                <option key={c} value={c}>
                  {en('warningColour', c)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <fieldset className="radio-row">
          <legend>{t('bulletins.recipients')}</legend>
          {UNIT_KINDS.map((k) => (
            <label key={k} className="check">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} /> {en('orgKind', k)}
            </label>
          ))}
        </fieldset>
        <Picker
          id="b-orgs"
          label={t('bulletins.namedOrgs')}
          picked={orgs}
          onChange={setOrgs}
          search={async (q) => (await api.get<{ items: Organization[] }>('/api/v1/organizations', { q, limit: 10 })).items.map((o) => ({ id: o.id, label: labels.orgName(o) }))}
        />
        <Picker
          id="b-ind"
          label={t('bulletins.indicators')}
          hint={t('bulletins.indicatorsHint')}
          picked={indicators}
          onChange={setIndicators}
          search={async (q) => (await api.get<{ items: Indicator[] }>('/api/v1/indicators', { q, limit: 10 })).items.map((i) => ({ id: String(i.id), label: `${en('observableType', i.type)}: ${i.value}` }))}
        />
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="submit">{t('bulletins.send')}</button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Card>
  );
}

function ReleasesTab({ canDraft, canApprove }: { canDraft: boolean; canApprove: boolean }) {
  const { t, i18n } = useTranslation();
  const en = useEnum();
  const me = useMe();
  const list = useApi(() => api.get<{ items: Release[] }>('/api/v1/releases'), []);
  const [drafting, setDrafting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = (id: string, action: string) => {
    setError(null);
    const reasons = action === 'reject' ? window.prompt(t('cases.reasons')) ?? undefined : undefined;
    api.post(`/api/v1/releases/${id}/transitions`, { action, ...(reasons ? { reasons } : {}) }).then(list.reload, setError);
  };
  const actions = (r: Release): string[] => {
    const out: string[] = [];
    if (r.author_org_id === me.org_id && (r.state === 'draft' || r.state === 'rejected')) out.push('submit');
    if (canApprove && r.state === 'submitted') out.push('approve', 'reject');
    if (canApprove && r.state === 'approved') out.push('publish');
    if (canApprove && r.state === 'published') out.push('withdraw');
    return out;
  };
  return (
    <>
      {canDraft && !drafting && (
        <p>
          <button type="button" onClick={() => setDrafting(true)}>
            {t('bulletins.draftRelease')}
          </button>
        </p>
      )}
      {drafting && <ReleaseForm onDone={() => (setDrafting(false), list.reload())} onCancel={() => setDrafting(false)} />}
      <ErrorBox error={list.error ?? error} />
      {list.loading && <Loading />}
      {list.data && list.data.items.length === 0 && <Empty />}
      {list.data?.items.map((r) => (
        <Card
          key={r.id}
          title={
            <>
              {i18n.language === 'en' ? r.title_en || r.title_zh : r.title_zh} <Badge kind={r.state}>{en('releaseState', r.state)}</Badge>
            </>
          }
          actions={
            <div className="actions">
              {actions(r).map((a) => (
                <button key={a} type="button" className={a === 'reject' || a === 'withdraw' ? 'secondary' : ''} onClick={() => act(r.id, a)}>
                  {en('releaseAction', a)}
                </button>
              ))}
            </div>
          }
        >
          <p>{i18n.language === 'en' ? r.summary_en || r.summary_zh : r.summary_zh}</p>
          <div className="small muted">
            <OrgName id={r.author_org_id} /> · {formatTime(r.created_at)}
            {r.published_at ? ` · ${t('bulletins.publishedAt')} ${formatTime(r.published_at)}` : ''}
            {r.review_reasons ? ` · ${r.review_reasons}` : ''}
          </div>
        </Card>
      ))}
    </>
  );
}

function ReleaseForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const en = useEnum();
  const [f, setF] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const set = (k: string) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const body = Object.fromEntries(Object.entries(f).filter(([, v]) => v));
      await api.post('/api/v1/releases', { summary_zh: '', body_zh: '', ...body });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t('bulletins.draftRelease')} className="action-card">
      <form onSubmit={submit}>
        <div className="row-2">
          <Field label={t('bulletins.titleZh')} htmlFor="r-tz">
            <input id="r-tz" value={f.title_zh ?? ''} onChange={set('title_zh')} required />
          </Field>
          <Field label={t('bulletins.titleEn')} htmlFor="r-te">
            <input id="r-te" value={f.title_en ?? ''} onChange={set('title_en')} />
          </Field>
          <Field label={t('bulletins.summaryZh')} htmlFor="r-sz">
            <textarea id="r-sz" rows={2} value={f.summary_zh ?? ''} onChange={set('summary_zh')} />
          </Field>
          <Field label={t('bulletins.summaryEn')} htmlFor="r-se">
            <textarea id="r-se" rows={2} value={f.summary_en ?? ''} onChange={set('summary_en')} />
          </Field>
          <Field label={t('bulletins.bodyZh')} htmlFor="r-bz">
            <textarea id="r-bz" rows={4} value={f.body_zh ?? ''} onChange={set('body_zh')} />
          </Field>
          <Field label={t('bulletins.bodyEn')} htmlFor="r-be">
            <textarea id="r-be" rows={4} value={f.body_en ?? ''} onChange={set('body_en')} />
          </Field>
        </div>
        <Field label={t('bulletins.warning')} htmlFor="r-colour">
          <select id="r-colour" value={f.warning_colour ?? ''} onChange={set('warning_colour')}>
            <option value="">—</option>
            {COLOURS.map((c) => (
              <option key={c} value={c}>
                {en('warningColour', c)}
              </option>
            ))}
          </select>
        </Field>
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="submit">{t('common.save')}</button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Card>
  );
}
