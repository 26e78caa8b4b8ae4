/**
 * Many audit entries in one statement, for the sweeps: the deadline sweep escalates hundreds of
 * notices per transaction, and one `AuditService.record` per entry (lock, insert, update) made a
 * batch of 500 take seconds. Same chain, same hashes (audit-chain.ts `hashEntry`), one lock of
 * the head, one multi-row insert, one head update. Candidate for `AuditService.recordMany`.
 */
import type { Executor } from '../../db/database.js';
import { hashEntry, type AuditEntry } from '../audit/audit-chain.js';
import { auditRepository } from '../audit/audit.repository.js';
import type { AuditInput } from '../audit/audit.service.js';

export async function recordAuditBatch(tx: Executor, inputs: AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const head = await auditRepository.lockHead(tx);
  let prev = head.hash;
  let seq = head.seq;
  const at = new Date().toISOString();
  const rows = inputs.map((input) => {
    const entry: AuditEntry = {
      seq: ++seq,
      at,
      actor_org_id: null,
      actor_user_id: null,
      actor_token_id: null,
      action: input.action,
      object_type: input.object_type,
      object_id: input.object_id,
      province_code: input.province_code ?? null,
      data: JSON.parse(JSON.stringify(input.data ?? {})),
    };
    const hash = hashEntry(prev, entry);
    const row = { ...entry, data: JSON.stringify(entry.data), prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  for (let i = 0; i < rows.length; i += 1000) await tx.insertInto('audit_events').values(rows.slice(i, i + 1000)).execute();
  await tx.updateTable('audit_head').set({ seq, hash: prev }).where('id', '=', 1).execute();
}
