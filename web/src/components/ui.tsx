/** Small building blocks shared by the pages. */
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, isMissingEndpoint } from '../lib/api';

export function PageHeader({ title, actions, children }: { title: string; actions?: ReactNode; children?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · threatshare`;
  }, [title]);
  return (
    <div className="page-header">
      <div>
        <h1 ref={ref} tabIndex={-1}>
          {title}
        </h1>
        {children && <p className="muted">{children}</p>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  if (isMissingEndpoint(error)) return <div className="notice-box warn" role="status">{t('common.apiMissing')}</div>;
  const e = error as ApiError | Error;
  const status = e instanceof ApiError ? e.status : 0;
  const code = e instanceof ApiError ? e.problem.code : '';
  const known = code && t(`errors.${code}`, { defaultValue: '' });
  return (
    <div className="notice-box error" role="alert">
      <strong>{known || t('common.error')}</strong>
      {status ? ` (${status})` : ''}: {e.message}
      {e instanceof ApiError && e.problem.errors && e.problem.errors.length > 1 && (
        <ul>
          {e.problem.errors.slice(0, 10).map((x, i) => (
            <li key={i}>
              <code>{x.field}</code> {x.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status" aria-live="polite">
      {t('common.loading')}
    </div>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  return <div className="empty">{children ?? t('common.empty')}</div>;
}

export function Badge({ kind, children }: { kind?: string; children: ReactNode }) {
  return <span className={`badge ${kind ? `badge-${kind.replace(/[^a-z0-9_-]/gi, '')}` : ''}`}>{children}</span>;
}

/** An enum value in the current language: `enum.<group>.<value>`, falling back to the value. */
export function useEnum() {
  const { t } = useTranslation();
  return (group: string, value: string | null | undefined) => (value ? t(`enum.${group}.${value}`, { defaultValue: value }) : '—');
}

export function Field({ label, children, hint, htmlFor }: { label: string; children: ReactNode; hint?: string; htmlFor?: string }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {hint && <div className="hint">{hint}</div>}
    </div>
  );
}

export function Card({ title, children, actions, className }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      {(title || actions) && (
        <header className="card-header">
          {title && <h2>{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}

export function Progress({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={label}>
      <div className="progress-bar" style={{ width: `${pct}%` }} />
      <span className="progress-label">{pct}%</span>
    </div>
  );
}

export function Definition({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="deflist">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
