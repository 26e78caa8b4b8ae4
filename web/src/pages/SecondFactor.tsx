/**
 * Enrolment of the TOTP second factor, shown instead of the console to an account that must have
 * one (admins of regulators and professional institutions) until it has: the secret and its
 * otpauth:// link for the authenticator app, a code to prove it, then the recovery codes, once.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../components/Layout';
import { ErrorBox } from '../components/ui';
import { api } from '../lib/api';
import { useSession } from '../lib/session';

export function SecondFactorPage() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const start = () => run(async () => setEnrolment(await api.post<{ secret: string; otpauth_uri: string }>('/api/v1/session/totp')));
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => setRecovery((await api.post<{ recovery_codes: string[] }>('/api/v1/session/totp/confirm', { code: code.trim() })).recovery_codes));
  };

  return (
    <div className="signin-page">
      <div className="signin-lang">
        <LanguageSwitch />
      </div>
      <div className="signin card" data-testid="second-factor">
        <h1>{t('secondFactor.title')}</h1>
        {!recovery && <p className="muted">{t('secondFactor.intro')}</p>}
        {!enrolment && (
          <button type="button" onClick={start} disabled={busy} data-testid="totp-start">
            {t('secondFactor.start')}
          </button>
        )}
        {enrolment && !recovery && (
          <form onSubmit={confirm}>
            <label>{t('secondFactor.secret')}</label>
            <code className="mono wrap" data-testid="totp-secret">
              {enrolment.secret}
            </code>
            <label>{t('secondFactor.uri')}</label>
            <a className="mono wrap" href={enrolment.otpauth_uri}>
              {enrolment.otpauth_uri}
            </a>
            <label htmlFor="totp-confirm">{t('secondFactor.code')}</label>
            <input id="totp-confirm" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" value={code} onChange={(e) => setCode(e.target.value)} required autoFocus />
            <button type="submit" disabled={busy} data-testid="totp-confirm-submit">
              {t('secondFactor.confirm')}
            </button>
          </form>
        )}
        {recovery && (
          <>
            <h2>{t('secondFactor.recoveryTitle')}</h2>
            <p>{t('secondFactor.recoveryIntro')}</p>
            <ul className="mono" data-testid="recovery-codes">
              {recovery.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
            <button type="button" onClick={() => run(refresh)} disabled={busy} data-testid="totp-done">
              {t('secondFactor.continue')}
            </button>
          </>
        )}
        <ErrorBox error={error} />
      </div>
    </div>
  );
}
