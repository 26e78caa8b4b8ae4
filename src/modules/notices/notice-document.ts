/**
 * Handling notices as signed documents (Art. 8: notices go "in writing or in a verifiable
 * electronic form"). What is signed is exactly this:
 *
 *   signature.value = base64url( Ed25519( UTF-8( RFC 8785 canonical JSON of `document` ) ) )
 *
 * so anyone holding the platform's public key can verify a notice offline with any JSON
 * Canonicalization Scheme implementation and any Ed25519 library; `threatshare notice verify FILE`
 * does it with `verifySignedDocument`. Keys rotate: each public key is published with its key id
 * and validity, and a signature is valid only under a key that was valid at the document's
 * `issued_at`.
 *
 * Key fingerprints are SHA-256 over the key's SPKI DER encoding, written as upper-case hex pairs
 * joined by colons (the format `openssl ... -fingerprint -sha256` prints), prefixed "SHA256:".
 *
 * The document is self-contained: measure labels and legal citations are copied in, so a notice
 * still reads correctly after the tables change. Its shape is fixed: every field is present,
 * null when it does not apply, so two implementations canonicalize it identically.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { MEASURES, type MeasureCode } from '../decisions/measures.js';
import {
  LEGAL_CITATIONS,
  PENALTY_PROVISIONS,
  PENALTY_REMEDIES,
  PENALTY_TIERS,
  formatCitation,
  isLegalRef,
  validatePenalty,
  type LegalRef,
  type PenaltyKind,
  type PenaltyProvisionCode,
  type PenaltyTier,
} from '../enforcement/legal-basis.js';
import { validationFailed } from '../../lib/problem.js';
import { CATEGORY_CODES, THREAT_CATEGORIES, isSubtypeOf, type ThreatCategory } from '../reports/taxonomy.js';

export const NOTICE_DOCUMENT_SCHEMA = 'threatshare.notice/1';
export const NOTICE_KINDS = ['handling_notice', 'penalty_decision', 'withdrawal', 'restoration'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface Party {
  org_id: string;
  name: string;
}

export interface NoticeDocument {
  schema: typeof NOTICE_DOCUMENT_SCHEMA;
  kind: NoticeKind;
  notice_id: string;
  /** Starts at 1; a corrected notice is a new version with the same notice_id. */
  version: number;
  /** RFC 3339, UTC, millisecond precision. */
  issued_at: string;
  /** The deciding regulator. */
  issuer: Party;
  /** The unit that must act (or, for notify_superior_authority, the authority informed). */
  recipient: Party;
  case_ref: { case_id: string; decision_id: string | null } | null;
  measure: { code: MeasureCode; label: { zh: string; en: string } } | null;
  /** Sorted by type then value, without duplicates. */
  targets: { type: string; value: string }[];
  legal_basis: { ref: LegalRef; citation: { zh: string; en: string } }[];
  deadline: string | null;
  emergency: boolean;
  /** Emergencies: when the unit was called before this written notice (Art. 8). */
  phone_notified_at: string | null;
  /** Withdrawal and restoration: the notice they withdraw. */
  references: { notice_id: string; version: number } | null;
  reasons: string | null;
  /**
   * The threat the notice is about (a handling notice): Article 2 category and sub-type with their
   * labels, the case's title and severity, so the unit knows what it is ordered to act on.
   */
  threat: {
    category: string;
    subtype: string;
    label: { zh: string; en: string };
    title: string;
    severity: string | null;
  } | null;
  /** A penalty decision: the ways and time limits of review (PENALTY_REMEDIES). */
  remedies: { zh: string; en: string } | null;
  penalty: {
    provision: PenaltyProvisionCode;
    tier: PenaltyTier;
    kind: PenaltyKind;
    conduct_date: string;
    is_cii: boolean;
    currency: 'CNY';
    unit_amount: number;
    person_amount: number;
    person_name: string | null;
  } | null;
}

export interface NoticeDocumentInput {
  kind: NoticeKind;
  notice_id: string;
  version?: number;
  issued_at: Date;
  issuer: Party;
  recipient: Party;
  case_ref?: { case_id: string; decision_id?: string | null } | null;
  measure?: MeasureCode | null;
  targets?: readonly { type: string; value: string }[];
  /** Defaults: the measure's articles; Art. 13 + the CSL provision for a penalty; Art. 10 for withdrawals. */
  legal_basis?: readonly LegalRef[];
  deadline?: Date | null;
  emergency?: boolean;
  phone_notified_at?: Date | null;
  references?: { notice_id: string; version: number } | null;
  reasons?: string | null;
  threat?: { category: string; subtype: string; title: string; severity?: string | null } | null;
  penalty?: {
    provision: string;
    tier: string;
    kind: string;
    conduct_date: string;
    is_cii?: boolean;
    unit_amount?: number | null;
    person_amount?: number | null;
    person_name?: string | null;
  } | null;
}

const blank = (s: string | null | undefined) => !s || s.trim() === '';
const iso = (d: Date, field: string) => {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw validationFailed(field, `${field.slice(1)} must be a valid time`);
  return d.toISOString();
};

/**
 * Build the canonical notice document from what the service knows. Throws `validation_failed`
 * naming the field for anything a signed legal document must not carry (a penalty outside the
 * statutory range, a deadline before issue, a withdrawal without the notice it withdraws, ...).
 */
export function buildNoticeDocument(input: NoticeDocumentInput): NoticeDocument {
  if (!(NOTICE_KINDS as readonly string[]).includes(input.kind)) throw validationFailed('/kind', `kind must be one of ${NOTICE_KINDS.join(', ')}`);
  if (blank(input.notice_id)) throw validationFailed('/notice_id', 'notice_id is required');
  const version = input.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw validationFailed('/version', 'version is a whole number from 1');
  for (const [field, p] of [['/issuer', input.issuer], ['/recipient', input.recipient]] as const)
    if (!p || blank(p.org_id) || blank(p.name)) throw validationFailed(field, `${field.slice(1)} needs org_id and name`);
  const issued_at = iso(input.issued_at, '/issued_at');

  let measure: NoticeDocument['measure'] = null;
  if (input.measure) {
    const def = MEASURES[input.measure];
    if (!def) throw validationFailed('/measure', `unknown measure "${input.measure}"`);
    measure = { code: input.measure, label: { zh: def.label.zh, en: def.label.en } };
  }

  const seen = new Set<string>();
  const targets = (input.targets ?? [])
    .map((t) => ({ type: t.type, value: t.value }))
    .filter((t) => {
      const k = `${t.type}\u0000${t.value}`;
      return seen.has(k) ? false : (seen.add(k), true);
    })
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));

  let deadline: string | null = null;
  if (input.deadline) {
    deadline = iso(input.deadline, '/deadline');
    if (input.deadline.getTime() <= input.issued_at.getTime()) throw validationFailed('/deadline', 'the deadline must be after the time of issue');
  }
  const phone_notified_at = input.phone_notified_at ? iso(input.phone_notified_at, '/phone_notified_at') : null;
  if (input.phone_notified_at && input.phone_notified_at.getTime() > input.issued_at.getTime())
    throw validationFailed('/phone_notified_at', 'the phone notification precedes the written notice');

  let penalty: NoticeDocument['penalty'] = null;
  let defaultBasis: LegalRef[] = [];
  switch (input.kind) {
    case 'handling_notice': {
      if (!measure) throw validationFailed('/measure', 'a handling notice names its measure');
      const def = MEASURES[measure.code];
      if (def.targets.length > 0 && targets.length === 0) throw validationFailed('/targets', 'a handling notice names at least one target');
      const wrong = targets.findIndex((t) => !(def.targets as readonly string[]).includes(t.type));
      if (wrong >= 0) throw validationFailed(`/targets/${wrong}/type`, `"${measure.code}" cannot act on a ${targets[wrong].type}`);
      if (def.requires_result && !deadline) throw validationFailed('/deadline', `"${measure.code}" needs a deadline`);
      if (input.emergency && !def.emergency_eligible) throw validationFailed('/emergency', `"${measure.code}" is not ordered as an emergency`);
      defaultBasis = [...def.legal_basis];
      break;
    }
    case 'penalty_decision': {
      const p = input.penalty;
      if (!p) throw validationFailed('/penalty', 'a penalty decision carries the penalty');
      const check = validatePenalty({ ...p, basis: p.provision });
      if (!check.ok) throw validationFailed(`/penalty/${check.field === 'basis' ? 'provision' : check.field}`, check.message);
      penalty = {
        provision: p.provision as PenaltyProvisionCode,
        tier: p.tier as PenaltyTier,
        kind: p.kind as PenaltyKind,
        conduct_date: p.conduct_date,
        is_cii: p.is_cii ?? false,
        currency: 'CNY',
        unit_amount: p.unit_amount ?? 0,
        person_amount: p.person_amount ?? 0,
        person_name: p.person_name ?? null,
      };
      if (penalty.person_amount > 0 && blank(penalty.person_name))
        throw validationFailed('/penalty/person_name', 'a fine on the person directly responsible names that person');
      defaultBasis = ['measures_art13', PENALTY_PROVISIONS[penalty.provision].citation];
      break;
    }
    case 'withdrawal':
    case 'restoration':
      if (!input.references || blank(input.references.notice_id) || !Number.isInteger(input.references.version) || input.references.version < 1)
        throw validationFailed('/references', `a ${input.kind} names the notice (id and version) it withdraws`);
      if (blank(input.reasons)) throw validationFailed('/reasons', `a ${input.kind} gives its reasons`);
      defaultBasis = ['measures_art10'];
      break;
  }

  const refs = input.legal_basis && input.legal_basis.length ? [...new Set(input.legal_basis)] : defaultBasis;
  const badRef = refs.findIndex((r) => !isLegalRef(r));
  if (badRef >= 0) throw validationFailed(`/legal_basis/${badRef}`, `unknown legal reference "${refs[badRef]}"`);

  return {
    schema: NOTICE_DOCUMENT_SCHEMA,
    kind: input.kind,
    notice_id: input.notice_id,
    version,
    issued_at,
    issuer: { org_id: input.issuer.org_id, name: input.issuer.name },
    recipient: { org_id: input.recipient.org_id, name: input.recipient.name },
    case_ref: input.case_ref ? { case_id: input.case_ref.case_id, decision_id: input.case_ref.decision_id ?? null } : null,
    measure,
    targets,
    legal_basis: refs.map((ref) => ({ ref, citation: { zh: formatCitation(ref, 'zh'), en: formatCitation(ref, 'en') } })),
    deadline,
    emergency: input.emergency ?? false,
    phone_notified_at,
    references: input.references ? { notice_id: input.references.notice_id, version: input.references.version } : null,
    reasons: input.reasons ?? null,
    threat: input.threat ? threatOf(input.threat) : null,
    remedies: input.kind === 'penalty_decision' ? { zh: PENALTY_REMEDIES.statement.zh, en: PENALTY_REMEDIES.statement.en } : null,
    penalty,
  };
}

function threatOf(t: { category: string; subtype: string; title: string; severity?: string | null }): NonNullable<NoticeDocument['threat']> {
  const code = t.category as ThreatCategory;
  if (!CATEGORY_CODES.includes(code) || !isSubtypeOf(code, t.subtype)) throw validationFailed('/threat', `unknown category and sub-type "${t.category}/${t.subtype}"`);
  const category = THREAT_CATEGORIES[code];
  const sub = (category.subtypes as Record<string, { zh: string; en: string }>)[t.subtype];
  return {
    category: t.category,
    subtype: t.subtype,
    label: { zh: `${category.label.zh} · ${sub.zh}`, en: `${category.label.en} · ${sub.en}` },
    title: t.title,
    severity: t.severity ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Canonical form, signatures, keys
// ---------------------------------------------------------------------------------------------

/** RFC 8785 (JCS) canonical JSON. Throws on values JSON cannot carry (undefined, NaN, cycles). */
export function canonicalizeDocument(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new Error('value has no canonical JSON form');
  return out;
}
export { canonicalizeDocument as canonicalize };

export interface Signature {
  alg: 'Ed25519';
  key_id: string;
  /** base64url, no padding. */
  value: string;
}
export interface SignedDocument<D = NoticeDocument> {
  document: D;
  signature: Signature;
}

export function signDocument<D>(document: D, key: { key_id: string; privateKey: KeyObject }): SignedDocument<D> {
  if (key.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the platform signs with an Ed25519 key');
  const bytes = Buffer.from(canonicalizeDocument(document), 'utf8');
  return { document, signature: { alg: 'Ed25519', key_id: key.key_id, value: sign(null, bytes, key.privateKey).toString('base64url') } };
}

/** A published platform key (served at the public keys endpoint, shipped with the CLI). */
export interface PublicKeyRecord {
  key_id: string;
  public_key_pem: string;
  /** RFC 3339. */
  valid_from: string;
  /** RFC 3339, or null while the key is current. Exclusive. */
  valid_until: string | null;
}

export type VerifyFailure = 'malformed' | 'unsupported_algorithm' | 'unknown_key' | 'key_not_valid_at_issue_time' | 'bad_signature';
export type VerifyResult = { valid: true; key_id: string } | { valid: false; reason: VerifyFailure; message: string };

/**
 * Verify a signed document against the published keys: the key named by the signature, valid at
 * the document's `issued_at`, and an Ed25519 signature over the canonical JSON of the document.
 * Never throws: any input, however broken, yields a result with a reason.
 */
export function verifySignedDocument(signed: unknown, publicKeys: readonly PublicKeyRecord[]): VerifyResult {
  const fail = (reason: VerifyFailure, message: string): VerifyResult => ({ valid: false, reason, message });
  if (typeof signed !== 'object' || signed === null) return fail('malformed', 'not a signed document object');
  const { document, signature } = signed as { document?: unknown; signature?: Partial<Signature> };
  if (typeof document !== 'object' || document === null || typeof signature !== 'object' || signature === null)
    return fail('malformed', 'expected {"document": {...}, "signature": {...}}');
  if (signature.alg !== 'Ed25519') return fail('unsupported_algorithm', `unsupported signature algorithm ${JSON.stringify(signature.alg)}`);
  if (typeof signature.key_id !== 'string' || typeof signature.value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(signature.value))
    return fail('malformed', 'signature needs key_id and a base64url value');
  const record = publicKeys.find((k) => k.key_id === signature.key_id);
  if (!record) return fail('unknown_key', `no published key with id "${signature.key_id}"`);
  const issuedAt = Date.parse(String((document as { issued_at?: unknown }).issued_at));
  if (Number.isNaN(issuedAt)) return fail('malformed', 'document has no valid issued_at');
  const from = Date.parse(record.valid_from);
  const until = record.valid_until === null ? Number.POSITIVE_INFINITY : Date.parse(record.valid_until);
  if (!(issuedAt >= from && issuedAt < until))
    return fail('key_not_valid_at_issue_time', `key "${record.key_id}" is valid from ${record.valid_from} until ${record.valid_until ?? 'further notice'}, not at ${new Date(issuedAt).toISOString()}`);
  let key: KeyObject;
  let bytes: Buffer;
  try {
    key = createPublicKey(record.public_key_pem);
    bytes = Buffer.from(canonicalizeDocument(document), 'utf8');
  } catch {
    return fail('malformed', 'the published key or the document cannot be read');
  }
  if (key.asymmetricKeyType !== 'ed25519') return fail('unsupported_algorithm', `key "${record.key_id}" is not an Ed25519 key`);
  const sig = Buffer.from(signature.value, 'base64url');
  const ok = sig.length === 64 && verify(null, bytes, key, sig);
  return ok ? { valid: true, key_id: record.key_id } : fail('bad_signature', 'the signature does not match the document: it was altered or signed with another key');
}

function colonHex(buf: Buffer): string {
  return buf.toString('hex').toUpperCase().match(/../g)!.join(':');
}

/** `SHA256:AB:CD:…` over the SPKI DER of the public key (accepts a KeyObject, public or private, or PEM). */
export function keyFingerprint(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  return `SHA256:${colonHex(createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest())}`;
}

/** SHA-256 of the canonical JSON of the document, lower-case hex: what a printed copy is compared by. */
export function documentDigest(document: unknown): string {
  return createHash('sha256').update(canonicalizeDocument(document), 'utf8').digest('hex');
}

/** A short handle of the signature (SHA-256 of its bytes, first 8 bytes, colon hex) to read out on the phone. */
export function signatureFingerprint(signed: SignedDocument<unknown>): string {
  return colonHex(createHash('sha256').update(Buffer.from(signed.signature.value, 'base64url')).digest().subarray(0, 8));
}

export interface GeneratedSigningKey {
  key_id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  public_key_pem: string;
  fingerprint: string;
}

/**
 * A new Ed25519 platform key. The key id is `ts-YYYYMMDD-` plus the first 8 hex digits of the
 * fingerprint: readable, sortable by creation date, and stable for the key.
 */
export function generateSigningKey(now: Date = new Date()): GeneratedSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const fingerprint = keyFingerprint(publicKey);
  const short = fingerprint.slice('SHA256:'.length).replace(/:/g, '').slice(0, 8).toLowerCase();
  return {
    key_id: `ts-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${short}`,
    privateKey,
    publicKey,
    public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint,
  };
}

// ---------------------------------------------------------------------------------------------
// Printable rendering
// ---------------------------------------------------------------------------------------------

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const EMBED_ID = 'threatshare-signed-notice';

const L = {
  zh: {
    titles: { handling_notice: '网络安全威胁处置通知', penalty_decision: '行政处罚决定书', withdrawal: '撤销通知', restoration: '恢复通知' },
    notice_id: '通知编号', version: '版本', issued_at: '签发时间', issuer: '签发单位', recipient: '接收单位', case_ref: '关联案件',
    decision: '处置决定', measure: '处置措施', targets: '处置对象', type: '类型', value: '值', legal_basis: '法律依据', deadline: '处置时限',
    none: '无', emergency: '紧急', yes: '是', no: '否', phone_notified_at: '电话通知时间', references: '所撤销的通知', references_overdue: '所涉逾期未处置的通知', reasons: '理由',
    threat: '威胁类别', threat_title: '威胁', severity: '事件级别', remedies: '救济途径和期限',
    severities: { general: '一般', relatively_major: '较大', major: '重大', particularly_major: '特别重大' },
    penalty: '处罚', provision: '条款', tier: '情节', kind: '处罚种类', conduct_date: '违法行为发生日期', cii: '关键信息基础设施运营者',
    unit_amount: '对单位罚款', person_amount: '对直接负责的主管人员罚款', person_name: '直接负责的主管人员',
    signature: '电子签名', alg: '算法', key_id: '密钥编号', key_fingerprint: '公钥指纹', sig_fingerprint: '签名指纹', digest: '文档摘要（规范化JSON的SHA-256）', sig_value: '签名值',
    verify_title: '如何离线验证',
    verify_text: '本页面内嵌了完整的已签名通知（JSON）。将本页面或其中的JSON保存为文件，使用平台公钥运行以下命令验证：',
    verify_manual: '也可自行验证：按RFC 8785对“document”进行规范化，以UTF-8编码，用公钥验证Ed25519签名（base64url）。',
    kinds: { warning: '警告', fine: '罚款', warning_and_fine: '警告并处罚款' },
    time_zone: '（北京时间）',
  },
  en: {
    titles: { handling_notice: 'Cyber security threat handling notice', penalty_decision: 'Administrative penalty decision', withdrawal: 'Withdrawal notice', restoration: 'Restoration notice' },
    notice_id: 'Notice no.', version: 'Version', issued_at: 'Issued at', issuer: 'Issued by', recipient: 'To', case_ref: 'Case',
    decision: 'decision', measure: 'Measure', targets: 'Targets', type: 'Type', value: 'Value', legal_basis: 'Legal basis', deadline: 'Deadline',
    none: 'none', emergency: 'Emergency', yes: 'yes', no: 'no', phone_notified_at: 'Notified by phone at', references: 'Withdraws notice', references_overdue: 'Overdue notice concerned', reasons: 'Reasons',
    threat: 'Threat category', threat_title: 'Threat', severity: 'Severity', remedies: 'Remedies and time limits',
    severities: { general: 'General', relatively_major: 'Relatively major', major: 'Major', particularly_major: 'Particularly major' },
    penalty: 'Penalty', provision: 'Provision', tier: 'Circumstances', kind: 'Kind', conduct_date: 'Date of the conduct', cii: 'Critical information infrastructure operator',
    unit_amount: 'Fine on the unit', person_amount: 'Fine on the person directly responsible', person_name: 'Person directly responsible',
    signature: 'Electronic signature', alg: 'Algorithm', key_id: 'Key id', key_fingerprint: 'Public key fingerprint', sig_fingerprint: 'Signature fingerprint', digest: 'Document digest (SHA-256 of the canonical JSON)', sig_value: 'Signature value',
    verify_title: 'How to verify offline',
    verify_text: 'This page embeds the complete signed notice (JSON). Save the page, or the JSON in it, to a file and verify it against the platform\u2019s public keys:',
    verify_manual: 'Or verify it yourself: canonicalize "document" per RFC 8785, encode as UTF-8, and check the Ed25519 signature (base64url) with the public key.',
    kinds: { warning: 'Warning', fine: 'Fine', warning_and_fine: 'Warning and fine' },
    time_zone: ' (Beijing time)',
  },
} as const;

/** An instant as Beijing local time, "2026-01-05 10:00:00". */
function beijing(isoString: string): string {
  const t = Date.parse(isoString);
  if (Number.isNaN(t)) return isoString;
  return new Date(t + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A printable, self-contained HTML page (A4 print CSS, no external resources) showing every field
 * of the document, the signature and its fingerprints, and how to verify it offline. The signed
 * JSON is embedded so the saved page itself can be verified (`extractSignedNoticeFromHtml`).
 */
export function renderNoticeHtml(
  signed: SignedDocument,
  lang: 'zh' | 'en',
  options: { key_fingerprint?: string; public_keys_url?: string } = {},
): string {
  const t = L[lang];
  const d = signed.document;
  const e = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? `<span class="none">${t.none}</span>` : escapeHtml(String(v)));
  const time = (v: string | null) => (v ? `${escapeHtml(beijing(v))}${t.time_zone}` : e(null));
  const row = (label: string, html: string) => `<tr><th>${escapeHtml(label)}</th><td>${html}</td></tr>`;
  const party = (p: Party) => `${escapeHtml(p.name)} <span class="id">(${escapeHtml(p.org_id)})</span>`;
  const other = lang === 'zh' ? 'en' : 'zh';

  const rows: string[] = [
    row(t.notice_id, `<span class="mono">${e(d.notice_id)}</span>`),
    row(t.version, e(d.version)),
    row(t.issued_at, time(d.issued_at)),
    row(t.issuer, party(d.issuer)),
    row(t.recipient, party(d.recipient)),
    row(t.case_ref, d.case_ref ? `<span class="mono">${e(d.case_ref.case_id)}</span>${d.case_ref.decision_id ? ` · ${t.decision} <span class="mono">${e(d.case_ref.decision_id)}</span>` : ''}` : e(null)),
  ];
  if (d.threat) {
    rows.push(row(t.threat, `${e(d.threat.label[lang])} <span class="id">${e(d.threat.category)}/${e(d.threat.subtype)}</span>`));
    rows.push(row(t.threat_title, e(d.threat.title)));
    if (d.threat.severity) rows.push(row(t.severity, e(t.severities[d.threat.severity as keyof typeof t.severities] ?? d.threat.severity)));
  }
  if (d.measure) rows.push(row(t.measure, `${e(d.measure.label[lang])} <span class="id">${e(d.measure.label[other])} · ${e(d.measure.code)}</span>`));
  rows.push(row(t.emergency, d.emergency ? `<strong>${t.yes}</strong>` : t.no));
  if (d.phone_notified_at || d.emergency) rows.push(row(t.phone_notified_at, time(d.phone_notified_at)));
  rows.push(row(t.deadline, d.deadline ? `<strong>${time(d.deadline)}</strong>` : e(null)));
  rows.push(row(t.legal_basis, d.legal_basis.map((b) => `${e(b.citation[lang])} <span class="id">${e(b.citation[other])}</span>`).join('<br>') || e(null)));
  if (d.references) rows.push(row(d.kind === 'penalty_decision' ? t.references_overdue : t.references, `<span class="mono">${e(d.references.notice_id)}</span> v${e(d.references.version)}`));
  if (d.reasons !== null || d.kind === 'withdrawal' || d.kind === 'restoration') rows.push(row(t.reasons, `<div class="pre">${e(d.reasons)}</div>`));
  if (d.penalty) {
    const p = d.penalty;
    const provision = PENALTY_PROVISIONS[p.provision] ? formatCitation(PENALTY_PROVISIONS[p.provision].citation, lang) : p.provision;
    const yuan = (n: number) => (n ? `¥${n.toLocaleString('en-US')}` : t.none);
    rows.push(
      row(t.provision, `${e(provision)} <span class="id">${e(p.provision)}</span>`),
      row(t.tier, `${e(PENALTY_TIERS[p.tier]?.[lang] ?? p.tier)}`),
      row(t.kind, e(t.kinds[p.kind] ?? p.kind)),
      row(t.conduct_date, e(p.conduct_date)),
      row(t.cii, p.is_cii ? t.yes : t.no),
      row(t.unit_amount, e(yuan(p.unit_amount))),
      row(t.person_amount, e(yuan(p.person_amount))),
      row(t.person_name, e(p.person_name)),
    );
  }
  if (d.remedies) rows.push(row(t.remedies, `<div class="pre">${e(d.remedies[lang])}</div>`));

  const targets = d.targets.length
    ? `<h2>${escapeHtml(t.targets)} (${d.targets.length})</h2><table class="targets"><thead><tr><th>#</th><th>${t.type}</th><th>${t.value}</th></tr></thead><tbody>${d.targets
        .map((x, i) => `<tr><td>${i + 1}</td><td>${e(x.type)}</td><td class="mono">${e(x.value)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';

  const sigRows = [
    row(t.alg, e(signed.signature.alg)),
    row(t.key_id, `<span class="mono">${e(signed.signature.key_id)}</span>`),
    row(t.key_fingerprint, `<span class="mono">${e(options.key_fingerprint ?? null)}</span>`),
    row(t.sig_fingerprint, `<span class="mono">${e(signatureFingerprint(signed))}</span>`),
    row(t.digest, `<span class="mono wrap">${e(documentDigest(d))}</span>`),
    row(t.sig_value, `<span class="mono wrap">${e(signed.signature.value)}</span>`),
  ];

  // JSON inside <script> must not be able to close the element: escape "<" (and U+2028/2029).
  const embedded = JSON.stringify(signed).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const title = `${t.titles[d.kind]} ${d.notice_id}`;

  return `<!DOCTYPE html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; font-size: 11pt; color: #000; max-width: 180mm; margin: 0 auto; line-height: 1.5; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #000; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 2mm; border: 1px solid #999; }
table.fields th { width: 38%; font-weight: normal; background: #f3f3f3; }
table.targets { font-size: 9.5pt; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.mono { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 9.5pt; }
.wrap { word-break: break-all; }
.id { color: #555; font-size: 9pt; }
.none { color: #777; }
.pre { white-space: pre-wrap; }
.emergency { text-align: center; font-weight: bold; border: 2px solid #000; padding: 1mm; }
footer { margin-top: 6mm; font-size: 9pt; }
@media print { a { color: #000; text-decoration: none; } }
</style>
</head>
<body>
<h1>${escapeHtml(t.titles[d.kind])}</h1>
${d.emergency ? `<p class="emergency">${escapeHtml(t.emergency)}</p>` : ''}
<table class="fields"><tbody>
${rows.join('\n')}
</tbody></table>
${targets}
<h2>${escapeHtml(t.signature)}</h2>
<table class="fields"><tbody>
${sigRows.join('\n')}
</tbody></table>
<footer>
<h2>${escapeHtml(t.verify_title)}</h2>
<p>${escapeHtml(t.verify_text)}</p>
<p class="mono wrap">threatshare notice verify notice.html${options.public_keys_url ? ` --keys ${escapeHtml(options.public_keys_url)}` : ' --keys keys.json'}</p>
<p>${escapeHtml(t.verify_manual)}</p>
</footer>
<script type="application/json" id="${EMBED_ID}">${embedded}</script>
</body>
</html>
`;
}

/** The signed document embedded in a page from `renderNoticeHtml`, or null. */
export function extractSignedNoticeFromHtml(html: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${EMBED_ID}">([\\s\\S]*?)</script>`).exec(html);
  if (!m) return null;
  try {
    return JSON.parse(m[1]);
  } catch {
    return null;
  }
}

const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, c: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[c]!);

/**
 * Whether the visible page is the one the embedded signed document generates (issue 12 item 8):
 * the page is rendered again from the embedded JSON, with the language and the two display
 * options read back from the page, and must be identical. An edited deadline, recipient or
 * target in the visible text — anything but the embedded JSON — makes it differ.
 */
export function checkNoticeHtml(html: string, signed: SignedDocument): { matches: true } | { matches: false; message: string } {
  const langAttr = /<html lang="([^"]+)">/.exec(html)?.[1];
  const lang = langAttr === 'zh-CN' ? 'zh' : langAttr === 'en' ? 'en' : null;
  if (!lang) return { matches: false, message: 'The page is not one the platform renders (no zh-CN or en language)' };
  const fpLabel = escapeHtml(L[lang].key_fingerprint);
  const fp = new RegExp(`<tr><th>${fpLabel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</th><td><span class="mono">([^<]*)</span></td></tr>`).exec(html)?.[1];
  const keysArg = /<p class="mono wrap">threatshare notice verify notice\.html --keys ([^<]*)<\/p>/.exec(html)?.[1];
  const url = keysArg !== undefined && keysArg !== 'keys.json' ? keysArg : undefined;
  let again: string;
  try {
    again = renderNoticeHtml(signed, lang, { key_fingerprint: fp ? unescapeHtml(fp) : undefined, public_keys_url: url ? unescapeHtml(url) : undefined });
  } catch {
    return { matches: false, message: 'The embedded document cannot be rendered' };
  }
  if (again === html || again.trimEnd() === html.trimEnd()) return { matches: true };
  return { matches: false, message: 'The visible text of the page differs from what its signed document says: read the notice from the verified JSON, not from this page' };
}

/** The legal citation of an entry, re-exported for presenters that render notices elsewhere. */
export function citationOf(ref: LegalRef): { zh: string; en: string; summary: { zh: string; en: string } } {
  return { zh: formatCitation(ref, 'zh'), en: formatCitation(ref, 'en'), summary: LEGAL_CITATIONS[ref].summary };
}
