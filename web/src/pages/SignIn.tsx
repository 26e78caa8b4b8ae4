/**
 * Sign-in with username and password, then the second factor when the account has one (a code
 * from the authenticator app, or a recovery code); the session lives in an HTTP-only cookie. The
 * demo password hint shows only on a database seeded with the demo world.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { LanguageSwitch } from '../components/Layout';
import { ErrorBox } from '../components/ui';
import { api, ApiError } from '../lib/api';
import { useSession } from '../lib/session';

export function SignInPage() {
  const { t } = useTranslation();
  const { session, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  const [demo, setDemo] = useState(false);
  useEffect(() => {
    api
      .get<{ demo: boolean }>('/api/v1/session/options')
      .then((o) => setDemo(o.demo))
      .catch(() => setDemo(false));
  }, []);
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  // A refused sign-in names no field (it must not tell which was wrong): mark both.
  const refused = error instanceof ApiError && error.problem.code === 'unauthenticated';
  const bad = refused ? 'field-invalid' : undefined;
  if (session) return <Navigate to={from} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const typed = code.trim();
      await signIn(username.trim(), password, !needsCode || !typed ? {} : /^[0-9]{6}$/.test(typed) ? { totp_code: typed } : { recovery_code: typed });
      navigate(from, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.problem.code === 'second_factor_required' && !needsCode) {
        // The password was right: ask for the code, without an error for a step not yet shown.
        setNeedsCode(true);
        return;
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin-page">
      <div className="signin-lang">
        <LanguageSwitch />
      </div>
      <form className="signin card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="brand big">
          <span className="logo" aria-hidden>
            ◆
          </span>
          <h1 id="signin-title">{t('app.title')}</h1>
        </div>
        <p className="muted">{t('signin.subtitle')}</p>
        <label htmlFor="username">{t('signin.username')}</label>
        <input id="username" name="username" autoComplete="username" className={bad} aria-invalid={refused || undefined} value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        <label htmlFor="password">{t('signin.password')}</label>
        <input id="password" name="password" type="password" autoComplete="current-password" className={bad} aria-invalid={refused || undefined} value={password} onChange={(e) => setPassword(e.target.value)} required />
        {needsCode && (
          <>
            <label htmlFor="totp">{t('signin.code')}</label>
            <input id="totp" name="totp" autoComplete="one-time-code" inputMode="text" value={code} onChange={(e) => setCode(e.target.value)} required autoFocus />
            <p className="hint">{t('signin.codeHint')}</p>
          </>
        )}
        <ErrorBox error={error} context="signIn" />
        <button type="submit" disabled={busy} data-testid="signin-submit">
          {busy ? t('common.working') : t('signin.submit')}
        </button>
        {demo && <p className="hint" data-testid="demo-hint">{t('signin.demoHint')}</p>}
      </form>
    </div>
  );
}
