/**
 * `threatshare notice verify FILE [--keys URL|FILE]`: checks a signed notice offline. FILE is the
 * signed JSON (GET /api/v1/notices/{id}/document, or a webhook's `document`) or a saved printable
 * page (the signed JSON is embedded in it). Keys come from a saved copy of
 * /.well-known/threatshare-keys.json (offline), or from a server URL. Exit code 0 when valid, 1 when
 * not.
 */
import fs from 'node:fs';
import { checkNoticeHtml, extractSignedNoticeFromHtml, keyFingerprint, signatureFingerprint, verifySignedDocument, type PublicKeyRecord, type SignedDocument } from '../modules/notices/notice-document.js';

export async function readKeys(source: string): Promise<PublicKeyRecord[]> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    const url = source.includes('/.well-known/') ? source : `${source.replace(/\/$/, '')}/.well-known/threatshare-keys.json`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    text = await res.text();
  } else text = fs.readFileSync(source, 'utf8');
  const parsed = JSON.parse(text) as { keys?: PublicKeyRecord[] } | PublicKeyRecord[];
  const keys = Array.isArray(parsed) ? parsed : parsed.keys;
  if (!Array.isArray(keys)) throw new Error(`${source}: not a key set ({"keys": [...]})`);
  return keys;
}

export function readSignedNotice(file: string): unknown {
  return readNoticeFile(file).signed;
}

/** The signed notice of a file, and the page it came from when it is a printable page. */
function readNoticeFile(file: string): { signed: unknown; html: string | null } {
  const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  if (/^\s*</.test(text)) {
    const embedded = extractSignedNoticeFromHtml(text);
    if (!embedded) throw new Error(`${file}: an HTML page without an embedded signed notice`);
    return { signed: embedded, html: text };
  }
  return { signed: JSON.parse(text), html: null };
}

export async function verifyNoticeFile(file: string, opts: { keys?: string }): Promise<number> {
  const source = opts.keys ?? (process.env.THREATSHARE_URL ? process.env.THREATSHARE_URL : undefined);
  if (!source) throw new Error('Name the platform keys: --keys keys.json (a saved /.well-known/threatshare-keys.json) or --keys https://platform');
  const keys = await readKeys(source);
  const { signed, html } = readNoticeFile(file);
  const r = verifySignedDocument(signed, keys);
  // A printable page is valid only if what it shows is what was signed (issue 12 item 8).
  const page = r.valid && html !== null ? checkNoticeHtml(html, signed as SignedDocument) : null;
  if (page && !page.matches) {
    console.log(JSON.stringify({ valid: false, reason: 'visible_text_mismatch', message: page.message, signed_document_valid: true }, null, 2));
    return 1;
  }
  if (r.valid) {
    const s = signed as SignedDocument;
    const key = keys.find((k) => k.key_id === r.key_id)!;
    console.log(
      JSON.stringify(
        { valid: true, ...(page ? { visible_text: 'matches the signed document' } : {}), key_id: r.key_id, key_fingerprint: keyFingerprint(key.public_key_pem), signature_fingerprint: signatureFingerprint(s), kind: s.document.kind, notice_id: s.document.notice_id, version: s.document.version, issued_at: s.document.issued_at, recipient: s.document.recipient },
        null,
        2,
      ),
    );
    return 0;
  }
  console.log(JSON.stringify({ valid: false, reason: r.reason, message: r.message }, null, 2));
  return 1;
}
