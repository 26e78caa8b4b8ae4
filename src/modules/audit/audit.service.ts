/**
 * The append-only, hash-chained audit log. `record` is called inside the transaction of every state
 * change (and for every read of restricted data), so the change and its entry commit together.
 * Call it last in the transaction: it locks the chain head until commit.
 */
import type { Db, Executor } from '../../db/database.js';
import type { Principal } from '../auth/principal.js';
import { findChainBreak, GENESIS_HASH, hashEntry, type AuditEntry, type ChainBreak } from './audit-chain.js';
import { auditRepository, type AuditListFilter, type RetentionBase, type StoredAuditEntry } from './audit.repository.js';
import { checkpointSignatureProblem, type CheckpointStatus } from './audit-checkpoint.js';
import type { AuditAnchor } from './checkpoints.service.js';

export interface AuditInput {
  action: string;
  object_type: string;
  object_id: string;
  province_code?: string | null;
  data?: Record<string, unknown>;
}

export interface VerifyBreak {
  seq: number;
  /**
   * A break in the chain (ChainBreak), an entry past the head (`beyond_head`), or the chain not
   * passing through the signed checkpoint: its entry gone (`checkpoint_missing`, the tail deleted
   * and the head moved back) or another hash there (`checkpoint_mismatch`, edited and re-hashed),
   * or a checkpoint whose signature does not verify (`checkpoint_signature`), or a retention base
   * (where the kept chain starts) that no `audit.retention_applied` entry of the chain records
   * (`retention_unattested`).
   */
  reason: ChainBreak['reason'] | 'beyond_head' | 'checkpoint_missing' | 'checkpoint_mismatch' | 'checkpoint_signature' | 'retention_unattested';
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  head_seq: number;
  head_hash: string;
  break: VerifyBreak | null;
  /** The checkpoint verified against, or null when none was given. */
  checkpoint: { head_seq: number; head_hash: string; issued_at: string; status: CheckpointStatus } | null;
  /** Where the verified chain starts when retention removed its oldest entries, else null. */
  retention: { through_seq: number; removed: number; entry_seq: number } | null;
}

export interface RetireResult {
  removed: number;
  /** The new base: the last entry removed, or null when nothing was past the period. */
  through_seq: number | null;
  /** The `audit.retention_applied` entries written (one per batch). */
  entries: number;
}

/** The one action that records a retention inside the chain. */
export const RETENTION_ACTION = 'audit.retention_applied';

export class AuditService {
  constructor(private readonly db: Db) {}

  async record(tx: Executor, actor: Principal | null, input: AuditInput): Promise<StoredAuditEntry> {
    return (await this.recordMany(tx, actor, [input]))[0];
  }

  /**
   * Many entries under one lock of the chain head, one multi-row insert and one head update (the
   * deadline sweep escalates hundreds of notices in one transaction). Same chain as one by one.
   */
  async recordMany(tx: Executor, actor: Principal | null, inputs: AuditInput[]): Promise<StoredAuditEntry[]> {
    if (inputs.length === 0) return [];
    const head = await auditRepository.lockHead(tx);
    const at = new Date().toISOString();
    let prev = head.hash;
    const stored = inputs.map((input, i): StoredAuditEntry => {
      const entry: AuditEntry = {
        seq: head.seq + i + 1,
        at,
        actor_org_id: actor?.orgId ?? null,
        actor_user_id: actor?.userId ?? null,
        actor_token_id: actor?.tokenId ?? null,
        action: input.action,
        object_type: input.object_type,
        object_id: input.object_id,
        province_code: input.province_code ?? null,
        data: JSON.parse(JSON.stringify(input.data ?? {})),
      };
      const hash = hashEntry(prev, entry);
      const row = { ...entry, prev_hash: prev, hash };
      prev = hash;
      return row;
    });
    await auditRepository.insertMany(tx, stored);
    return stored;
  }

  /**
   * The entry of a read (of restricted data, Art. 12). A read has no transaction to join, so the
   * entry gets its own short one, as every append must hold the chain head. Null records nothing,
   * so a view that revealed nothing restricted costs no write.
   */
  async recordRead(actor: Principal | null, input: AuditInput | null): Promise<StoredAuditEntry | null> {
    if (!input) return null;
    return this.db.transaction().execute((tx) => this.record(tx, actor, input));
  }

  forObject(objectType: string, objectId: string): Promise<StoredAuditEntry[]> {
    return auditRepository.forObject(this.db, objectType, objectId);
  }

  /**
   * Re-computes the chain in pages up to the head as it stood when verification began (entries
   * appended meanwhile are left for the next run), compares the result with that head, refuses
   * entries the head does not cover, and, given an anchor, checks that the chain passes through
   * the signed checkpoint with its hash: the database alone cannot prove that its tail was not
   * cut off, or that it was not re-hashed after an edit.
   */
  /**
   * The log for an auditor, newest first, filtered; restricted reads are grouped (who read how
   * many records of which kind, through which channel) unless asked for one by one, so that
   * thousands of list views do not bury the state changes.
   */
  async list(f: AuditListFilter) {
    const grouped = (f.reads ?? 'exclude') === 'exclude';
    const [entries, reads] = await Promise.all([auditRepository.list(this.db, { ...f, reads: f.reads ?? 'exclude' }), grouped ? auditRepository.readSummary(this.db, f) : Promise.resolve(null)]);
    return { entries, reads, next_before_seq: entries.length === f.limit ? entries[entries.length - 1].seq : null };
  }

  async verify(onProgress?: (done: number, total: number) => void, anchor?: AuditAnchor): Promise<VerifyResult> {
    const head = await auditRepository.head(this.db);
    const cp = anchor?.checkpoint ?? null;
    const signatureProblem = cp ? checkpointSignatureProblem(cp, anchor!.keys) : null;
    let checkpoint: VerifyResult['checkpoint'] = null;
    if (cp) {
      const d = (cp as { document?: Partial<VerifyResult['checkpoint']> & { issued_at?: string } }).document ?? {};
      checkpoint = { head_seq: Number(d.head_seq), head_hash: String(d.head_hash), issued_at: String(d.issued_at), status: signatureProblem ? 'bad_signature' : 'ok' };
    }
    const base = await auditRepository.retentionBase(this.db);
    let cursor = base ? { prevHash: base.through_hash, prevSeq: base.through_seq } : { prevHash: GENESIS_HASH, prevSeq: 0 };
    let count = 0;
    const retention = base ? { through_seq: base.through_seq, removed: base.removed, entry_seq: base.entry_seq } : null;
    const result = (brk: VerifyBreak | null): VerifyResult => ({ ok: brk === null, entries: count, head_seq: head.seq, head_hash: head.hash, break: brk, checkpoint, retention });
    while (cursor.prevSeq < head.seq) {
      const page = (await auditRepository.page(this.db, cursor.prevSeq, 5000)).filter((e) => e.seq <= head.seq);
      if (page.length === 0) break;
      const walked = findChainBreak(page, cursor);
      count += page.length;
      onProgress?.(count, head.seq);
      if (walked.break) return result(walked.break);
      cursor = walked.last;
    }
    if (!(cursor.prevSeq === head.seq && cursor.prevHash === head.hash)) return result({ seq: cursor.prevSeq + 1, reason: cursor.prevSeq === head.seq ? 'hash_mismatch' : 'gap' });
    // Rows past the head (read with the head in one statement, so appends meanwhile are covered).
    const extent = await auditRepository.extent(this.db);
    if (extent.max_seq > extent.head_seq) return result({ seq: extent.head_seq + 1, reason: 'beyond_head' });
    if (base && !(await this.isAttested(base))) return result({ seq: base.through_seq, reason: 'retention_unattested' });
    if (checkpoint) {
      if (signatureProblem) return result({ seq: checkpoint.head_seq, reason: 'checkpoint_signature' });
      if (base && checkpoint.head_seq <= base.through_seq) {
        // Its entry is gone with the prefix; the base's own hash still answers for the last one removed.
        if (checkpoint.head_seq === base.through_seq && checkpoint.head_hash !== base.through_hash) {
          checkpoint.status = 'mismatch';
          return result({ seq: checkpoint.head_seq, reason: 'checkpoint_mismatch' });
        }
        if (checkpoint.head_seq < base.through_seq) checkpoint.status = 'before_retention';
        return result(null);
      }
      // The chain up to the head holds, so the entry at the checkpoint's seq is the chain's.
      const at = checkpoint.head_seq === 0 ? { hash: GENESIS_HASH } : checkpoint.head_seq <= head.seq ? await auditRepository.bySeq(this.db, checkpoint.head_seq) : null;
      if (!at) {
        checkpoint.status = 'missing';
        return result({ seq: checkpoint.head_seq, reason: 'checkpoint_missing' });
      }
      if (at.hash !== checkpoint.head_hash) {
        checkpoint.status = 'mismatch';
        return result({ seq: checkpoint.head_seq, reason: 'checkpoint_mismatch' });
      }
    }
    return result(null);
  }

  /** The base is recorded by an entry of the kept chain (verified above), with its very seq and hash. */
  private async isAttested(base: RetentionBase): Promise<boolean> {
    if (base.entry_seq <= base.through_seq) return false;
    const e = await auditRepository.entryAt(this.db, base.entry_seq);
    return !!e && e.action === RETENTION_ACTION && e.data.through_seq === base.through_seq && e.data.through_hash === base.through_hash;
  }

  /**
   * Retention of the log: removes the prefix of the chain older than `cutoff`, `batch` entries per
   * transaction, by primary-key range (a set operation: no statement per entry). Each batch moves
   * the retention base (the seq and hash of the last entry removed) and records it in the chain by
   * an `audit.retention_applied` entry in the same transaction, so verification starts from the
   * base and the base is answered for by every later checkpoint. Only a prefix can go: an entry
   * within the period stops the sweep, whatever follows.
   */
  async retire(cutoff: Date, opts: { batch?: number; period_days?: number } = {}): Promise<RetireResult> {
    const batch = opts.batch ?? 50_000;
    let removed = 0;
    let entries = 0;
    let through: number | null = null;
    for (;;) {
      const base = await auditRepository.retentionBase(this.db);
      const after = base?.through_seq ?? 0;
      const prefix = await auditRepository.retirablePrefix(this.db, after, cutoff, batch);
      if (!prefix) return { removed, through_seq: through, entries };
      const n = await this.db.transaction().execute(async (tx) => {
        const gone = await auditRepository.removeRange(tx, after, prefix.through_seq);
        const entry = await this.record(tx, null, {
          action: RETENTION_ACTION,
          object_type: 'audit',
          object_id: 'chain',
          data: { through_seq: prefix.through_seq, through_hash: prefix.through_hash, removed: gone, cutoff: cutoff.toISOString(), period_days: opts.period_days ?? null },
        });
        await auditRepository.insertRetention(tx, { ...prefix, removed: gone, cutoff, entry_seq: entry.seq });
        return gone;
      });
      removed += n;
      entries++;
      through = prefix.through_seq;
    }
  }
}
