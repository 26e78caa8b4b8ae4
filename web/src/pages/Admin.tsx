/**
 * What a unit's or the platform's administrator sets up (issue 14, item 5): API tokens, users,
 * the webhook endpoint and subscriptions with their delivery logs, the blocklist exports and feeds
 * with the command that loads each, TAXII access, the exclusion list and signing-key rotation.
 * Every call is the public API's; the console only shows what the signed-in role may change.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Card, ErrorBox, Field, Loading, PageHeader, useEnum } from '../components/ui';
import { api } from '../lib/api';
import { formatTime } from '../lib/format';
import { useApi } from '../lib/hooks';
import { can, useMe, type SessionInfo } from '../lib/session';

const EXPORTS: { format: string; load: (url: string) => string }[] = [
  { format: 'rpz', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' -o /etc/bind/threatshare.rpz && rndc reload threatshare.rpz` },
  { format: 'nftables', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' | nft -f -` },
  { format: 'plain-ip', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' -o blocklist-ip.txt` },
  { format: 'plain-domain', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' -o blocklist-domain.txt` },
  { format: 'plain-url', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' -o blocklist-url.txt` },
  { format: 'hosts', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' >> /etc/hosts` },
  { format: 'csv', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' -o indicators.csv` },
  { format: 'ndjson', load: (u) => `curl -fsS -H "Authorization: Bearer $TOKEN" '${u}' -o indicators.ndjson` },
];
const EVENTS = ['notice.issued', 'indicator.new_in_scope', 'bulletin.sent'];
const ROLES = ['admin', 'analyst', 'reporter', 'handler', 'auditor'];

export function AdminPage() {
  const { t } = useTranslation();
  const me = useMe();
  const isAdmin = me.roles.includes('admin');
  return (
    <>
      <PageHeader title={t('admin.title')}>{t('admin.subtitle')}</PageHeader>
      {isAdmin && <Tokens me={me} />}
      {isAdmin && <Users me={me} />}
      {isAdmin && <Push me={me} />}
      <Feeds />
      {can.isRegulator(me) && isAdmin && <Exclusions />}
      {me.org_kind === 'regulator_national' && isAdmin && <KeyRotation />}
    </>
  );
}

function useAction<T>(fn: () => Promise<T>, onDone?: (r: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone?.(await fn());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function RoleChecks({ value, onChange, allowed }: { value: string[]; onChange: (v: string[]) => void; allowed: string[] }) {
  const en = useEnum();
  return (
    <div className="radio-row">
      {allowed.map((r) => (
        <label key={r} className="check">
          <input type="checkbox" value={r} checked={value.includes(r)} onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))} /> {en('role', r)}
        </label>
      ))}
    </div>
  );
}

function Tokens({ me }: { me: SessionInfo }) {
  const { t } = useTranslation();
  const en = useEnum();
  const list = useApi(() => api.get<{ id: string; name: string; token_prefix: string; roles: string[]; created_at: string; expires_at: string | null; last_used_at: string | null; revoked_at: string | null }[]>(`/api/v1/organizations/${me.org_id}/tokens`), [me.org_id]);
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useAction(() => api.post<{ token: string }>(`/api/v1/organizations/${me.org_id}/tokens`, { name, roles }), (r) => (setSecret(r.token), setName(''), list.reload()));
  const [revokeError, setRevokeError] = useState<unknown>(null);
  return (
    <Card title={t('admin.tokens')}>
      <p className="hint">{t('admin.tokensHint')}</p>
      <ErrorBox error={list.error ?? revokeError} />
      {list.loading && <Loading />}
      <table className="data compact" data-testid="tokens">
        <thead>
          <tr>
            <th>{t('admin.name')}</th>
            <th>{t('admin.prefix')}</th>
            <th>{t('admin.roles')}</th>
            <th>{t('admin.lastUsed')}</th>
            <th>{t('admin.state')}</th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td className="mono">{k.token_prefix}…</td>
              <td>{k.roles.map((r) => en('role', r)).join('、')}</td>
              <td>{formatTime(k.last_used_at)}</td>
              <td>
                {k.revoked_at ? (
                  <span className="muted">{t('admin.revokedAt', { at: formatTime(k.revoked_at) })}</span>
                ) : (
                  <button type="button" className="secondary" onClick={() => api.del(`/api/v1/tokens/${k.id}`).then(list.reload, setRevokeError)}>
                    {t('admin.revoke')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={create.run} data-testid="token-form">
        <Field label={t('admin.name')} htmlFor="tk-name">
          <input id="tk-name" data-field="/name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </Field>
        <RoleChecks value={roles} onChange={setRoles} allowed={me.roles} />
        <button type="submit" disabled={create.busy || roles.length === 0}>
          {t('admin.createToken')}
        </button>
      </form>
      <ErrorBox error={create.error} />
      {secret && (
        <div className="notice-box ok" role="status" data-testid="token-secret">
          {t('admin.secretOnce')} <code>{secret}</code>
        </div>
      )}
    </Card>
  );
}

function Users({ me }: { me: SessionInfo }) {
  const { t } = useTranslation();
  const en = useEnum();
  const list = useApi(() => api.get<{ id: string; username: string; display_name: string; roles: string[]; disabled_at: string | null }[]>(`/api/v1/organizations/${me.org_id}/users`), [me.org_id]);
  const [f, setF] = useState({ username: '', display_name: '', password: '' });
  const [roles, setRoles] = useState<string[]>([]);
  const create = useAction(() => api.post(`/api/v1/organizations/${me.org_id}/users`, { ...f, roles }), () => (setF({ username: '', display_name: '', password: '' }), list.reload()));
  return (
    <Card title={t('admin.users')}>
      <ErrorBox error={list.error} />
      <table className="data compact">
        <thead>
          <tr>
            <th>{t('admin.username')}</th>
            <th>{t('admin.displayName')}</th>
            <th>{t('admin.roles')}</th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((u) => (
            <tr key={u.id}>
              <td className="mono">{u.username}</td>
              <td>{u.display_name}</td>
              <td>{u.roles.map((r) => en('role', r)).join('、')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create.run}>
        <div className="row-3">
          <Field label={t('admin.username')} htmlFor="u-name">
            <input id="u-name" data-field="/username" value={f.username} onChange={(e) => setF({ ...f, username: e.target.value })} required />
          </Field>
          <Field label={t('admin.displayName')} htmlFor="u-display">
            <input id="u-display" data-field="/display_name" value={f.display_name} onChange={(e) => setF({ ...f, display_name: e.target.value })} required />
          </Field>
          <Field label={t('admin.password')} htmlFor="u-pass">
            <input id="u-pass" type="password" autoComplete="new-password" data-field="/password" value={f.password} onChange={(e) => setF({ ...f, password: e.target.value })} minLength={10} required />
          </Field>
        </div>
        <RoleChecks value={roles} onChange={setRoles} allowed={ROLES} />
        <ErrorBox error={create.error} />
        <button type="submit" disabled={create.busy || roles.length === 0}>
          {t('admin.createUser')}
        </button>
      </form>
    </Card>
  );
}

interface Delivery {
  id: string;
  event_type: string;
  state: string;
  attempts: number;
  last_status: number | null;
  [k: string]: unknown;
}

function Push({ me }: { me: SessionInfo }) {
  const { t } = useTranslation();
  const endpoint = useApi(() => api.get<{ url: string; enabled: boolean } | null>(`/api/v1/organizations/${me.org_id}/webhook`), [me.org_id]);
  const subs = useApi(() => api.get<{ items?: { id: string; events: string[]; webhook: boolean; created_at: string }[] } | { id: string; events: string[]; webhook: boolean; created_at: string }[]>('/api/v1/subscriptions'), []);
  const subList = Array.isArray(subs.data) ? subs.data : (subs.data?.items ?? []);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const save = useAction(() => api.put(`/api/v1/organizations/${me.org_id}/webhook`, { url, secret }), () => (setSecret(''), endpoint.reload()));
  const [events, setEvents] = useState<string[]>(['notice.issued']);
  const subscribe = useAction(() => api.post('/api/v1/subscriptions', { events, webhook: true }), () => subs.reload());
  const [open, setOpen] = useState<string | null>(null);
  const deliveries = useApi(open ? () => api.get<{ items?: Delivery[] } | Delivery[]>(`/api/v1/subscriptions/${open}/deliveries`) : null, [open]);
  const deliveryList = Array.isArray(deliveries.data) ? deliveries.data : (deliveries.data?.items ?? []);
  return (
    <Card title={t('admin.push')}>
      <p className="hint">{t('admin.pushHint')}</p>
      <ErrorBox error={endpoint.error ?? subs.error} />
      <p>
        {t('admin.endpoint')}: {endpoint.data ? <code>{endpoint.data.url}</code> : <span className="muted">{t('common.none')}</span>}
      </p>
      <form className="inline-form" onSubmit={save.run}>
        <Field label={t('admin.webhookUrl')} htmlFor="wh-url">
          <input id="wh-url" data-field="/url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://soc.example.cn/threatshare" required />
        </Field>
        <Field label={t('admin.webhookSecret')} htmlFor="wh-secret">
          <input id="wh-secret" data-field="/secret" value={secret} onChange={(e) => setSecret(e.target.value)} minLength={16} required />
        </Field>
        <button type="submit" disabled={save.busy}>
          {t('admin.saveEndpoint')}
        </button>
      </form>
      <ErrorBox error={save.error} />
      <h3>{t('admin.subscriptions')}</h3>
      <table className="data compact" data-testid="subscriptions">
        <thead>
          <tr>
            <th>{t('admin.events')}</th>
            <th>{t('admin.createdAt')}</th>
            <th>{t('admin.deliveries')}</th>
          </tr>
        </thead>
        <tbody>
          {subList.map((s) => (
            <tr key={s.id}>
              <td>{s.events.map((e) => t(`admin.event.${e.replace(/\./g, '_')}`, { defaultValue: e })).join('、')}</td>
              <td>{formatTime(s.created_at)}</td>
              <td>
                <button type="button" className="link" onClick={() => setOpen(open === s.id ? null : s.id)}>
                  {t('admin.showDeliveries')}
                </button>{' '}
                <button type="button" className="link" onClick={() => api.del(`/api/v1/subscriptions/${s.id}`).then(subs.reload)}>
                  {t('common.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && (
        <div data-testid="deliveries">
          <ErrorBox error={deliveries.error} />
          {deliveryList.length === 0 ? (
            <p className="muted small">{t('admin.noDeliveries')}</p>
          ) : (
            <table className="data compact">
              <thead>
                <tr>
                  <th>{t('admin.events')}</th>
                  <th>{t('admin.state')}</th>
                  <th>{t('admin.attempts')}</th>
                  <th>HTTP</th>
                </tr>
              </thead>
              <tbody>
                {deliveryList.map((d) => (
                  <tr key={d.id}>
                    <td>{t(`admin.event.${d.event_type.replace(/\./g, '_')}`, { defaultValue: d.event_type })}</td>
                    <td>{t(`admin.deliveryState.${d.state}`, { defaultValue: d.state })}</td>
                    <td className="num">{d.attempts}</td>
                    <td className="num">{d.last_status ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      <form className="inline-form" onSubmit={subscribe.run}>
        <div className="radio-row">
          {EVENTS.map((e) => (
            <label key={e} className="check">
              <input type="checkbox" checked={events.includes(e)} onChange={(x) => setEvents(x.target.checked ? [...events, e] : events.filter((y) => y !== e))} /> {t(`admin.event.${e.replace(/\./g, '_')}`)}
            </label>
          ))}
        </div>
        <button type="submit" disabled={subscribe.busy || events.length === 0}>
          {t('admin.subscribe')}
        </button>
      </form>
      <ErrorBox error={subscribe.error} />
    </Card>
  );
}

function Feeds() {
  const { t } = useTranslation();
  const origin = window.location.origin;
  return (
    <Card title={t('admin.feeds')}>
      <p className="hint">{t('admin.feedsHint')}</p>
      <table className="data compact" data-testid="feeds">
        <thead>
          <tr>
            <th>{t('admin.format')}</th>
            <th>{t('admin.url')}</th>
            <th>{t('admin.command')}</th>
          </tr>
        </thead>
        <tbody>
          {EXPORTS.map((x) => {
            const url = `${origin}/api/v1/exports/${x.format}`;
            return (
              <tr key={x.format}>
                <td>{t(`admin.exportFormat.${x.format.replace(/-/g, '_')}`, { defaultValue: x.format })}</td>
                <td className="mono small">{url}</td>
                <td>
                  <code className="small">{x.load(url)}</code>
                </td>
              </tr>
            );
          })}
          <tr>
            <td>{t('admin.changes')}</td>
            <td className="mono small">{`${origin}/api/v1/feeds/changes`}</td>
            <td>
              <code className="small">{`curl -fsS -H "Authorization: Bearer $TOKEN" '${origin}/api/v1/feeds/changes?cursor=$CURSOR'`}</code>
            </td>
          </tr>
          <tr>
            <td>TAXII 2.1</td>
            <td className="mono small">{`${origin}/taxii2/`}</td>
            <td>
              <span className="small">{t('admin.taxiiHint')}</span> <code className="small">{`curl -u "taxii:$TOKEN" -H 'Accept: application/taxii+json;version=2.1' '${origin}/taxii2/'`}</code>
            </td>
          </tr>
        </tbody>
      </table>
    </Card>
  );
}

function Exclusions() {
  const { t } = useTranslation();
  const res = useApi(() => api.get<{ entries: { type: string; value: string }[]; updated_at: string | null }>('/api/v1/exclusions'), []);
  const [text, setText] = useState<string | null>(null);
  const current = text ?? (res.data?.entries ?? []).map((e) => `${e.type} ${e.value}`).join('\n');
  const save = useAction(
    () =>
      api.put<{ excluded: number; included: number }>('/api/v1/exclusions', {
        entries: current
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .map((l) => {
            const [type, ...rest] = l.split(/\s+/);
            return { type: type!, value: rest.join(' ') };
          }),
      }),
    () => (setText(null), res.reload()),
  );
  return (
    <Card title={t('admin.exclusions')}>
      <p className="hint">{t('admin.exclusionsHint')}</p>
      <ErrorBox error={res.error} />
      <form onSubmit={save.run}>
        <textarea className="mono" rows={8} value={current} onChange={(e) => setText(e.target.value)} aria-label={t('admin.exclusions')} data-field="/entries" />
        <div className="hint">{t('admin.updatedAt', { at: formatTime(res.data?.updated_at) })}</div>
        <ErrorBox error={save.error} />
        <button type="submit" disabled={save.busy}>
          {t('admin.saveExclusions')}
        </button>
      </form>
    </Card>
  );
}

function KeyRotation() {
  const { t } = useTranslation();
  const [done, setDone] = useState<string | null>(null);
  const rotate = useAction(() => api.post<{ key_id: string }>('/api/v1/signing-keys/rotate'), (r) => setDone(r.key_id));
  return (
    <Card title={t('admin.keys')}>
      <p className="hint">{t('admin.keysHint')}</p>
      <button type="button" className="danger" onClick={() => window.confirm(t('admin.rotateConfirm')) && void rotate.run()} disabled={rotate.busy}>
        {t('admin.rotate')}
      </button>
      <ErrorBox error={rotate.error} />
      {done && (
        <div className="notice-box ok" role="status">
          {t('admin.rotated')} <code>{done}</code>
        </div>
      )}
    </Card>
  );
}
