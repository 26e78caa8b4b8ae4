/**
 * An evidence file by its name, not its hash: the name and size come from the download's own
 * headers (a HEAD request, so nothing is transferred); the SHA-256 stays in the tooltip and in
 * small print for whoever checks it.
 */
import { useEffect, useState } from 'react';
import { formatBytes } from '../lib/format';

export function EvidenceLink({ sha256 }: { sha256: string }) {
  const href = `/api/v1/evidence/${sha256}`;
  const [meta, setMeta] = useState<{ name: string | null; size: number | null }>({ name: null, size: null });
  useEffect(() => {
    let live = true;
    fetch(href, { method: 'HEAD', credentials: 'same-origin', headers: { 'X-Requested-With': 'threatshare-console' } })
      .then((res) => {
        if (!live || !res.ok) return;
        const cd = res.headers.get('content-disposition') ?? '';
        const m = /filename="([^"]*)"/.exec(cd);
        const name = m ? decodeURIComponent(m[1]!) : null;
        const len = Number(res.headers.get('content-length'));
        setMeta({ name: name && name !== sha256 ? name : null, size: Number.isFinite(len) && len > 0 ? len : null });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [href, sha256]);
  return (
    <span className="evidence">
      <a href={href} title={`SHA-256 ${sha256}`} download={meta.name ?? undefined}>
        {meta.name ?? `${sha256.slice(0, 12)}…`}
      </a>
      {meta.size !== null && <span className="muted small"> ({formatBytes(meta.size)})</span>}
      <br />
      <code className="muted small">sha256 {sha256.slice(0, 16)}…</code>
    </span>
  );
}
