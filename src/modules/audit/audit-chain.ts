/**
 * The hash chain of the audit log, pure. Each entry's hash is SHA-256 over the previous entry's
 * hash and the RFC 8785 canonical JSON of the entry, so changing, inserting or removing any entry
 * breaks every hash after it. Verifying needs only the entries themselves.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  actor_org_id: string | null;
  actor_user_id: string | null;
  actor_token_id: string | null;
  action: string;
  object_type: string;
  object_id: string;
  province_code: string | null;
  data: Record<string, unknown>;
}

export function hashEntry(prevHash: string, entry: AuditEntry): string {
  const body = canonicalize(entry);
  if (body === undefined) throw new Error('audit entry cannot be canonicalized');
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export interface ChainBreak {
  seq: number;
  reason: 'hash_mismatch' | 'prev_mismatch' | 'gap';
}

/**
 * Walks entries in sequence order from `prevHash` (the hash before the first entry) and reports the
 * first break, or null when the chain holds.
 */
export function findChainBreak(
  entries: Iterable<AuditEntry & { prev_hash: string; hash: string }>,
  start: { prevHash: string; prevSeq: number } = { prevHash: GENESIS_HASH, prevSeq: 0 },
): { break: ChainBreak | null; last: { prevHash: string; prevSeq: number } } {
  let { prevHash, prevSeq } = start;
  for (const e of entries) {
    if (e.seq !== prevSeq + 1) return { break: { seq: e.seq, reason: 'gap' }, last: { prevHash, prevSeq } };
    if (e.prev_hash !== prevHash) return { break: { seq: e.seq, reason: 'prev_mismatch' }, last: { prevHash, prevSeq } };
    const { prev_hash: _p, hash, ...entry } = e;
    if (hashEntry(prevHash, entry) !== hash) return { break: { seq: e.seq, reason: 'hash_mismatch' }, last: { prevHash, prevSeq } };
    prevHash = hash;
    prevSeq = e.seq;
  }
  return { break: null, last: { prevHash, prevSeq } };
}
