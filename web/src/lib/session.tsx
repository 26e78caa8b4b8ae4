/** The signed-in user, from `GET /api/v1/session`, shared by every page. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, setUnauthenticatedHandler } from './api';

export interface SessionInfo {
  user_id: string;
  username: string;
  display_name: string;
  locale: string;
  org_id: string;
  org_kind: string;
  org_name: string;
  org_name_en: string | null;
  province_code: string | null;
  roles: string[];
  csrf_token: string;
  expires_at: string;
  /** `enrolment_required`: regulator and institution admins enrol TOTP before anything else. */
  second_factor: 'enabled' | 'enrolment_required' | 'none';
}

/** The second factor sent with the password, for accounts that have one. */
export interface SecondFactorInput {
  totp_code?: string;
  recovery_code?: string;
}

interface SessionState {
  session: SessionInfo | null;
  loading: boolean;
  signIn(username: string, password: string, secondFactor?: SecondFactorInput): Promise<void>;
  /** Reads the session again (after enrolling a second factor). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [loading, setLoading] = useState(true);

  const adopt = (s: SessionInfo | null) => {
    setCsrfToken(s?.csrf_token ?? null);
    setSession(s);
  };

  useEffect(() => {
    setUnauthenticatedHandler(() => adopt(null));
    api
      .get<SessionInfo>('/api/v1/session')
      .then(adopt)
      .catch(() => adopt(null))
      .finally(() => setLoading(false));
  }, []);

  const signIn = useCallback(async (username: string, password: string, secondFactor: SecondFactorInput = {}) => {
    adopt(await api.post<SessionInfo>('/api/v1/session', { username, password, ...secondFactor }));
  }, []);

  const refresh = useCallback(async () => {
    adopt(await api.get<SessionInfo>('/api/v1/session'));
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.del('/api/v1/session');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
    adopt(null);
  }, []);

  return <Ctx.Provider value={{ session, loading, signIn, signOut, refresh }}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** The signed-in user (pages under the layout are only rendered when there is one). */
export function useMe(): SessionInfo {
  const { session } = useSession();
  if (!session) throw new Error('not signed in');
  return session;
}

/** What the console offers follows what the API allows: these mirror the server's policies. */
export const can = {
  isRegulator: (s: SessionInfo) => s.org_kind === 'regulator_national' || s.org_kind === 'regulator_provincial',
  isInstitution: (s: SessionInfo) => s.org_kind === 'professional_institution',
  isUnit: (s: SessionInfo) => ['telecom_operator', 'security_vendor', 'internet_company', 'domain_registrar'].includes(s.org_kind),
  report: (s: SessionInfo) => s.roles.includes('reporter') || s.roles.includes('admin') || s.roles.includes('analyst'),
  identify: (s: SessionInfo) => s.org_kind === 'professional_institution' && s.roles.includes('analyst'),
  decide: (s: SessionInfo) => can.isRegulator(s) && (s.roles.includes('handler') || s.roles.includes('admin') || s.roles.includes('analyst')),
  handle: (s: SessionInfo) => can.isUnit(s) && (s.roles.includes('handler') || s.roles.includes('admin')),
  audit: (s: SessionInfo) => (can.isRegulator(s) || s.org_kind === 'professional_institution') && s.roles.some((r) => r === 'auditor' || r === 'admin' || r === 'analyst'),
};
