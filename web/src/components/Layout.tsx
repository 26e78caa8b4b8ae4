/** The frame of every signed-in page: header (who, language, sign-out), navigation, content. */
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useEffect, useRef } from 'react';
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

  // After navigation, move focus to the page so keyboard and screen-reader users start there.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [location.pathname]);

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
  ];

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('header.skipToContent')}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden>
            ◆
          </span>
          <span>{t('app.title')}</span>
        </div>
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
      <nav className="sidebar" aria-label={t('nav.label')}>
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
          <a href="/docs" target="_blank" rel="noreferrer">
            {t('nav.apiDocs')}
          </a>
        </div>
      </nav>
      <main id="main" ref={main}>
        <Outlet />
      </main>
    </div>
  );
}
