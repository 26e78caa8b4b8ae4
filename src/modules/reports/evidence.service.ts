/**
 * Evidence files, content-addressed by SHA-256: uploading the same bytes twice stores them once.
 * Evidence may hold personal information and trade secrets (Art. 12): the uploader reads it, and
 * regulators and institutions read what a report in their jurisdiction cites; every read by anyone
 * but the uploader is in the audit log.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { notFound, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import { isInstitution, isNationalRegulator, type Principal } from '../auth/principal.js';
import { canReadCitedEvidence } from '../access/workflow-access.js';
import { assertCanSubmit } from './reports.policy.js';
import { reportsRepository } from './reports.repository.js';

export class EvidenceService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  async upload(actor: Principal, content: Buffer, mediaType: string, fileName: string | null) {
    assertCanSubmit(actor);
    if (content.length === 0) throw validationFailed('/body', 'An evidence file is not empty');
    const sha256 = createHash('sha256').update(content).digest('hex');
    const created = await this.db.transaction().execute(async (tx) => {
      const isNew = await reportsRepository.insertEvidence(tx, {
        sha256,
        size_bytes: content.length,
        media_type: mediaType,
        file_name: fileName,
        content,
        uploaded_by_org: actor.orgId,
      });
      await this.audit.record(tx, actor, { action: 'evidence.uploaded', object_type: 'evidence', object_id: sha256, data: { size: content.length, media_type: mediaType, new: isNew } });
      return isNew;
    });
    return { sha256, size_bytes: content.length, media_type: mediaType, file_name: fileName, created };
  }

  async download(actor: Principal, sha256: string) {
    const meta = await reportsRepository.evidenceMeta(this.db, sha256);
    if (!meta) throw notFound('Evidence');
    const own = (await reportsRepository.evidenceAccessible(this.db, actor.orgId, [sha256])).has(sha256);
    let allowed = own;
    if (!allowed && (isNationalRegulator(actor) || isInstitution(actor))) allowed = await reportsRepository.evidenceCitedInProvince(this.db, sha256, null);
    if (!allowed && actor.orgKind === 'regulator_provincial') allowed = await reportsRepository.evidenceCitedInProvince(this.db, sha256, actor.provinceCode);
    // Result and identification evidence: the deciding regulator (the case's province), the ministry
    // and the case's institution (issue 11 item 2; canReadCitedEvidence).
    if (!allowed) allowed = (await reportsRepository.evidenceCitations(this.db, sha256)).some((c) => canReadCitedEvidence(actor, c));
    if (!allowed) throw notFound('Evidence');
    const file = (await reportsRepository.evidenceContent(this.db, sha256))!;
    if (meta.uploaded_by_org !== actor.orgId) {
      await this.db.transaction().execute(async (tx) => {
        await this.audit.record(tx, actor, { action: 'evidence.read', object_type: 'evidence', object_id: sha256, data: { restricted: true } });
      });
    }
    return { content: Buffer.from(file.content), media_type: file.media_type, file_name: file.file_name, size_bytes: file.size_bytes };
  }
}
