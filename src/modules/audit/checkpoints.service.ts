/**
 * Writes and reads the signed checkpoints of the audit chain (audit-checkpoint.ts). `serve` writes
 * one at start-up, every AUDIT_CHECKPOINT_MS and at shutdown: the latest to
 * `$DATA_DIR/audit-checkpoint.json` (atomically) and every one appended to
 * `$DATA_DIR/audit-checkpoints.ndjson`; the latest is also published at
 * `/.well-known/threatshare-audit-checkpoint.json` for anyone to keep. `audit verify` checks the
 * chain against the latest, or against a copy kept elsewhere (`--checkpoint FILE`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../db/database.js';
import type { PublicKeyRecord } from '../notices/notice-document.js';
import { buildCheckpoint, type CheckpointDocument, type SignedCheckpoint } from './audit-checkpoint.js';
import { auditRepository } from './audit.repository.js';

export interface CheckpointSigner {
  /** Signs the document built at the signing time (read after the key, as rotation requires). */
  sign(build: (now: Date) => CheckpointDocument): Promise<SignedCheckpoint>;
  publicKeys(): Promise<PublicKeyRecord[]>;
}

/** What `AuditService.verify` checks the chain against. */
export interface AuditAnchor {
  checkpoint: SignedCheckpoint | null;
  keys: PublicKeyRecord[];
}

export const LATEST_FILE = 'audit-checkpoint.json';
export const HISTORY_FILE = 'audit-checkpoints.ndjson';

export class AuditCheckpoints {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly issuer: string,
    private readonly signer: CheckpointSigner,
    private readonly log: { error(obj: object, msg: string): void } = console,
  ) {}

  /** Signs the current head and writes it out; the latest is returned as it is when unchanged. */
  async write(): Promise<SignedCheckpoint> {
    const head = await auditRepository.head(this.db);
    const latest = this.latest();
    if (latest && latest.document.head_seq === head.seq && latest.document.head_hash === head.hash && latest.document.issuer === this.issuer) return latest;
    const signed = await this.signer.sign((now) => buildCheckpoint(this.issuer, head, now));
    fs.mkdirSync(this.dataDir, { recursive: true });
    fs.appendFileSync(path.join(this.dataDir, HISTORY_FILE), `${JSON.stringify(signed)}\n`);
    const file = path.join(this.dataDir, LATEST_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(signed, null, 2)}\n`);
    fs.renameSync(tmp, file);
    return signed;
  }

  /** The latest checkpoint written here, or null. */
  latest(): SignedCheckpoint | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dataDir, LATEST_FILE), 'utf8')) as SignedCheckpoint;
    } catch {
      return null;
    }
  }

  /** The checkpoint to verify against (a file given, else the latest here) and the platform keys. */
  async anchor(file?: string): Promise<AuditAnchor> {
    const checkpoint = file ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SignedCheckpoint) : this.latest();
    return { checkpoint, keys: await this.signer.publicKeys() };
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.write().catch((err) => this.log.error({ err }, 'audit checkpoint failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
