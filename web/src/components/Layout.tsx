/** The frame of every signed-in page: header (who, language, sign-out), navigation, content. */
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { setLanguage } from '../i18n';
import { can, useMe, useSession } from '../lib/session';
import { useLabels } from '../lib/hooks';
import { useEnum } from './ui';

export function LanguageSwitch() {
  const { i18n, t } = useTranslation();
  const next = i18n.language === 'en' ? 'zh-CN' : 'en';
  return (
    <button type="button" className="lang-switch" onClick={() => setLanguage(next)} aria-label={t('header.switchLanguage')} data-testid="lang-switch">
      {next === 'en' ? 'English' : '中文'}
    </button>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const me = useMe();
  const { signOut } = useSession();
  const labels = useLabels();
  const en = useEnum();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  // On a phone the navigation is a drawer behind the menu button; it closes on every navigation.
  const [navOpen, setNavOpen] = useState(false);

  // After navigation, move focus to the page so keyboard and screen-reader users start there.
  useEffect(() => {
    setNavOpen(false);
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [location.pathname]);
  useTableLabels(main);

  const nav: { to: string; label: string; show: boolean }[] = [
    { to: '/', label: t('nav.dashboard'), show: true },
    { to: '/reports', label: t('nav.reports'), show: true },
    { to: '/reports/new', label: t('nav.submitReport'), show: can.report(me) },
    { to: '/imports/new', label: t('nav.bulkImport'), show: can.report(me) },
    { to: '/indicators', label: t('nav.indicators'), show: true },
    { to: '/cases', label: can.isInstitution(me) ? t('nav.identificationQueue') : t('nav.cases'), show: true },
    { to: '/notices', label: t('nav.notices'), show: true },
    { to: '/appeals', label: t('nav.appeals'), show: true },
    { to: '/enforcement', label: t('nav.enforcement'), show: can.isRegulator(me) || can.isUnit(me) },
    { to: '/bulletins', label: t('nav.bulletins'), show: true },
    { to: '/organizations', label: t('nav.organizations'), show: true },
    { to: '/audit', label: t('nav.audit'), show: can.audit(me) },
    { to: '/admin', label: t('nav.admin'), show: true },
  ];

  return (
    <div className={`shell ${navOpen ? 'nav-open' : ''}`}>
      <a className="skip-link" href="#main">
        {t('header.skipToContent')}
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={navOpen}
          aria-controls="sidebar"
          aria-label={t('header.menu')}
          onClick={() => setNavOpen((o) => !o)}
          data-testid="menu-toggle"
        >
          <span aria-hidden>☰</span>
        </button>
        <div className="brand">
          <span className="logo" aria-hidden>
            ◆
          </span>
          <span>{t('app.title')}</span>
        </div>
        <SessionClock />
        <div className="who" data-testid="who">
          <span className="who-name">{me.display_name}</span>
          <span className="who-org">
            {labels.orgName({ name: me.org_name, name_en: me.org_name_en })}
            {me.province_code ? ` · ${labels.province(me.province_code)}` : ''}
          </span>
          <span className="who-roles">{me.roles.map((r) => en('role', r)).join(' / ')}</span>
        </div>
        <LanguageSwitch />
        <button type="button" className="secondary" onClick={() => void signOut()} data-testid="sign-out">
          {t('header.signOut')}
        </button>
      </header>
      <nav className="sidebar" id="sidebar" aria-label={t('nav.label')}>
        <ul>
          {nav
            .filter((n) => n.show)
            .map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.to === '/' || n.to === '/reports'}>
                  {n.label}
                </NavLink>
              </li>
            ))}
        </ul>
        <div className="sidebar-foot">
          <a href="/docs" data-testid="api-docs-link">
            {t('nav.apiDocs')}
          </a>
          <div className="muted">{t('time.policy')}</div>
        </div>
      </nav>
      {navOpen && <div className="nav-scrim" onClick={() => setNavOpen(false)} aria-hidden />}
      <main id="main" ref={main}>
        <Outlet />
      </main>
    </div>
  );
}

/**
 * Gives every cell of a `table.data` the header of its column as `data-label`, so that on a phone
 * (where the stylesheet turns rows into cards) each value keeps its name. One observer for all
 * tables, hand-written or DataTable, instead of threading headers through every page.
 */
function useTableLabels(root: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const label = () => {
      for (const table of el.querySelectorAll<HTMLTableElement>('table.data')) {
        const heads = [...table.querySelectorAll('thead th')].map((th) => (th.textContent ?? '').replace(/[▲▼↕]/g, '').trim());
        for (const row of table.querySelectorAll('tbody tr')) {
          [...row.children].forEach((td, i) => {
            const h = heads[i] ?? '';
            if (td.getAttribute('data-label') !== h) td.setAttribute('data-label', h);
          });
        }
      }
    };
    label();
    const obs = new MutationObserver(label);
    obs.observe(el, { childList: true, subtree: true });
    return () => obs.disconnect();
  }, [root]);
}

/** Warns a few minutes before the session expires, so a half-typed form is not lost. */
function SessionClock() {
  const { t } = useTranslation();
  const me = useMe();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(id);
  }, []);
  const left = new Date(me.expires_at).getTime() - now;
  if (!(left < SESSION_WARN_MS)) return null;
  return (
    <div className="session-warn" role="status" data-testid="session-warn">
      {left > 0 ? t('session.expiresSoon', { minutes: Math.max(1, Math.round(left / 60_000)) }) : t('session.expired')}
    </div>
  );
}

const SESSION_WARN_MS = 5 * 60_000;
