/** The console's entry: i18n, the session, and the routes. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import './i18n';
import './styles.css';
import { Layout } from './components/Layout';
import { Loading } from './components/ui';
import { SessionProvider, useSession } from './lib/session';
import { AppealsPage } from './pages/Appeals';
import { AuditPage } from './pages/Audit';
import { AdminPage } from './pages/Admin';
import { BulletinsPage } from './pages/Bulletins';
import { CaseDetailPage } from './pages/CaseDetail';
import { CasesPage } from './pages/Cases';
import { DashboardPage } from './pages/Dashboard';
import { EnforcementDetailPage, EnforcementPage } from './pages/Enforcement';
import { ImportPage } from './pages/Import';
import { IndicatorDetailPage, IndicatorsPage } from './pages/Indicators';
import { NoticeDetailPage, NoticesPage } from './pages/Notices';
import { NotFoundPage } from './pages/NotFound';
import { OrganizationDetailPage, OrganizationsPage } from './pages/Organizations';
import { ReportDetailPage, ReportsPage } from './pages/Reports';
import { ReportNewPage } from './pages/ReportNew';
import { SecondFactorPage } from './pages/SecondFactor';
import { SignInPage } from './pages/SignIn';

function Guarded() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (session.second_factor === 'enrolment_required') return <SecondFactorPage />;
  return <Layout />;
}

function App() {
  return (
    <Routes>
      <Route path="/login" element={<SignInPage />} />
      <Route element={<Guarded />}>
        <Route index element={<DashboardPage />} />
        <Route path="reports" element={<ReportsPage />} />
        <Route path="reports/new" element={<ReportNewPage />} />
        <Route path="reports/:id" element={<ReportDetailPage />} />
        <Route path="imports/new" element={<ImportPage />} />
        <Route path="indicators" element={<IndicatorsPage />} />
        <Route path="indicators/:id" element={<IndicatorDetailPage />} />
        <Route path="cases" element={<CasesPage />} />
        <Route path="cases/:id" element={<CaseDetailPage />} />
        <Route path="notices" element={<NoticesPage />} />
        <Route path="notices/:id" element={<NoticeDetailPage />} />
        <Route path="appeals" element={<AppealsPage />} />
        <Route path="enforcement" element={<EnforcementPage />} />
        <Route path="enforcement/:id" element={<EnforcementDetailPage />} />
        <Route path="bulletins" element={<BulletinsPage />} />
        <Route path="organizations" element={<OrganizationsPage />} />
        <Route path="organizations/:id" element={<OrganizationDetailPage />} />
        <Route path="admin" element={<AdminPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="audit/:type/:id" element={<AuditPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <App />
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
