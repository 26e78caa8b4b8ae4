/**
 * An organization's name in the current language, looked up once per id and cached. It reads the
 * summary (name, kind, province): nothing classified, so showing a name writes no audit entry.
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../lib/api';
import type { OrganizationSummary } from '../lib/domain';
import { useLabels } from '../lib/hooks';

const cache = new Map<string, Promise<OrganizationSummary | null>>();
function fetchOrg(id: string): Promise<OrganizationSummary | null> {
  if (!cache.has(id)) cache.set(id, api.get<OrganizationSummary>(`/api/v1/organizations/${id}/summary`).catch(() => null));
  return cache.get(id)!;
}

export function OrgName({ id, link = true }: { id: string | null | undefined; link?: boolean }) {
  const [org, setOrg] = useState<OrganizationSummary | null>(null);
  const labels = useLabels();
  useEffect(() => {
    let live = true;
    if (id) void fetchOrg(id).then((o) => live && setOrg(o));
    return () => {
      live = false;
    };
  }, [id]);
  if (!id) return <span className="muted">—</span>;
  const name = org ? labels.orgName(org) : '…';
  return link ? <Link to={`/organizations/${id}`}>{name}</Link> : <>{name}</>;
}
