/**
 * The append-only, hash-chained audit log. `record` is called inside the transaction of every state
 * change (and for every read of restricted data), so the change and its entry commit together.
 * Call it last in the transaction: it locks the chain head until commit.
 */
import type { Db, Executor } from '../../db/database.js';
import type { Principal } from '../auth/principal.js';
import { findChainBreak, GENESIS_HASH, hashEntry, type AuditEntry, type ChainBreak } from './audit-chain.js';
import { auditRepository, type AuditListFilter, type StoredAuditEntry } from './audit.repository.js';

export interface AuditInput {
  action: string;
  object_type: string;
  object_id: string;
  province_code?: string | null;
  data?: Record<string, unknown>;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  head_seq: number;
  head_hash: string;
  break: ChainBreak | null;
}

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
   * appended meanwhile are left for the next run), and compares the result with that head.
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

  async verify(onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
    const head = await auditRepository.head(this.db);
    let cursor = { prevHash: GENESIS_HASH, prevSeq: 0 };
    let count = 0;
    while (cursor.prevSeq < head.seq) {
      const page = (await auditRepository.page(this.db, cursor.prevSeq, 5000)).filter((e) => e.seq <= head.seq);
      if (page.length === 0) break;
      const result = findChainBreak(page, cursor);
      count += page.length;
      onProgress?.(count, head.seq);
      if (result.break) return { ok: false, entries: count, head_seq: head.seq, head_hash: head.hash, break: result.break };
      cursor = result.last;
    }
    const headMatches = cursor.prevSeq === head.seq && cursor.prevHash === head.hash;
    return {
      ok: headMatches,
      entries: count,
      head_seq: head.seq,
      head_hash: head.hash,
      break: headMatches ? null : { seq: cursor.prevSeq + 1, reason: cursor.prevSeq === head.seq ? 'hash_mismatch' : 'gap' },
    };
  }
}
