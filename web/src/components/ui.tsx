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

/**
 * A problem from the server in the user's language. The sentence comes from the console's own
 * catalogue by the problem's stable `code` (`errors.<context>.<code>` first, then `errors.<code>`),
 * never from the server's English `detail`, which is kept behind "technical details". The field the
 * problem's pointer names (`/observables/0/value`) is highlighted and focused in the page: inputs
 * carry the pointer they edit as `data-field`.
 */
export function ErrorBox({ error, context }: { error: unknown; context?: string }) {
  const { t, i18n } = useTranslation();
  const problem = error instanceof ApiError ? error.problem : null;
  const pointers = problem ? [problem.field, ...(problem.errors ?? []).map((x) => x.field)].filter((f): f is string => !!f) : [];
  const pointerKey = pointers.join('|');
  useEffect(() => {
    if (!pointerKey) return;
    const marked: Element[] = [];
    for (const p of pointerKey.split('|')) {
      const el = findField(p);
      if (el) {
        el.classList.add(el.tagName === 'TR' ? 'row-invalid' : 'field-invalid');
        el.setAttribute('aria-invalid', 'true');
        marked.push(el);
      }
    }
    (marked[0] as HTMLElement | undefined)?.focus?.();
    return () => {
      for (const el of marked) {
        el.classList.remove('field-invalid', 'row-invalid');
        el.removeAttribute('aria-invalid');
      }
    };
  }, [pointerKey]);
  if (!error) return null;
  if (isMissingEndpoint(error)) return <div className="notice-box warn" role="status">{t('common.apiMissing')}</div>;
  const e = error as ApiError | Error;
  const message = problemMessage(t, e, context);
  const details = problem?.errors ?? [];
  return (
    <div className="notice-box error" role="alert" data-code={problem?.code ?? ''}>
      <strong>{message}</strong>
      {details.length > 0 && (
        <ul>
          {details.slice(0, 10).map((x, i) => (
            <li key={i}>
              {x.field && <span className="muted">{fieldLabel(t, x.field)}: </span>}
              {x.code ? t(`errors.reason.${x.code}`, { defaultValue: i18n.language === 'en' ? x.message : t('errors.reason.other') }) : i18n.language === 'en' ? x.message : t('errors.reason.other')}
            </li>
          ))}
        </ul>
      )}
      {problem?.detail && i18n.language !== 'en' && (
        <details className="small">
          <summary>{t('errors.technical')}</summary>
          <code>{problem.code}</code> {problem.detail}
        </details>
      )}
      {problem?.detail && i18n.language === 'en' && <div className="small">{problem.detail}</div>}
    </div>
  );
}

/** The user's-language sentence for an error: by context and code, then by code, then generic. */
export function problemMessage(t: (k: string, o?: Record<string, unknown>) => string, e: unknown, context?: string): string {
  if (!(e instanceof ApiError)) return t('errors.network_error');
  const code = e.problem.code;
  const allowed = Array.isArray(e.problem.allowed) ? (e.problem.allowed as string[]).join(', ') : '';
  return (
    (context ? t(`errors.${context}.${code}`, { defaultValue: '', allowed }) : '') ||
    t(`errors.${code}`, { defaultValue: '', allowed }) ||
    t(`errors.byStatus.${Math.floor(e.status / 100)}xx`, { defaultValue: '' }) ||
    t('common.error')
  );
}

/** "/observables/0/value" → "Observable 1 · value" in the user's language. */
function fieldLabel(t: (k: string, o?: Record<string, unknown>) => string, pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `#${Number(p) + 1}` : t(`fields.${p}`, { defaultValue: p })))
    .join(' · ');
}

/** The element editing a JSON pointer, or the nearest one editing an enclosing part of it. */
function findField(pointer: string): HTMLElement | null {
  let p = pointer;
  while (p) {
    const el = document.querySelector<HTMLElement>(`[data-field="${CSS.escape(p)}"]`);
    if (el) return el;
    p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
  }
  return null;
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
