/** Sign-in with username and password; the session lives in an HTTP-only cookie. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { LanguageSwitch } from '../components/Layout';
import { ErrorBox } from '../components/ui';
import { ApiError } from '../lib/api';
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
      await signIn(username.trim(), password);
      navigate(from, { replace: true });
    } catch (err) {
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
        <ErrorBox error={error} context="signIn" />
        <button type="submit" disabled={busy} data-testid="signin-submit">
          {busy ? t('common.working') : t('signin.submit')}
        </button>
        <p className="hint">{t('signin.demoHint')}</p>
      </form>
    </div>
  );
}
