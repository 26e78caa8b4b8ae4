/**
 * Signed checkpoints of the audit chain, pure (issue 13, item 7). The chain proves that no entry
 * was changed relative to the others, but its head lives in the same database: whoever can write
 * there can delete the tail and move the head back, or edit an entry and re-hash everything after
 * it. A checkpoint is the head (sequence number and hash) signed with the platform's Ed25519 key
 * and kept outside the database (a file in $DATA_DIR, the well-known URL that anyone may fetch and
 * keep): the chain must still pass through it, with that very hash.
 */
import type { PublicKeyRecord, SignedDocument } from '../notices/notice-document.js';
import { verifySignedDocument } from '../notices/notice-document.js';

export const CHECKPOINT_SCHEMA = 'threatshare.audit_checkpoint/1';

export interface CheckpointDocument {
  schema: typeof CHECKPOINT_SCHEMA;
  /** The platform's public URL. */
  issuer: string;
  head_seq: number;
  head_hash: string;
  /** RFC 3339; the signing key must be valid at this time. */
  issued_at: string;
}

export type SignedCheckpoint = SignedDocument<CheckpointDocument>;

export function buildCheckpoint(issuer: string, head: { seq: number; hash: string }, at: Date): CheckpointDocument {
  return { schema: CHECKPOINT_SCHEMA, issuer, head_seq: head.seq, head_hash: head.hash, issued_at: at.toISOString() };
}

/**
 * What verification found about the checkpoint it was given. `before_retention`: the checkpoint's
 * entry was removed by retention (audit.service.ts `retire`); the kept chain cannot be checked
 * against it, only against a checkpoint written since (serve writes one after every retention).
 */
export type CheckpointStatus = 'ok' | 'bad_signature' | 'missing' | 'mismatch' | 'before_retention';

/** Is this a well-formed checkpoint signed by a platform key valid at its time? The reason if not. */
export function checkpointSignatureProblem(signed: unknown, keys: readonly PublicKeyRecord[]): string | null {
  const v = verifySignedDocument(signed, keys);
  if (!v.valid) return v.message;
  const d = (signed as SignedCheckpoint).document;
  if (d.schema !== CHECKPOINT_SCHEMA || !Number.isInteger(d.head_seq) || d.head_seq < 0 || typeof d.head_hash !== 'string' || !/^[0-9a-f]{64}$/.test(d.head_hash))
    return 'not an audit checkpoint';
  return null;
}
