/**
 * Verifies a signed notice in the browser, as anyone can offline: RFC 8785 canonical JSON of the
 * document, Ed25519 over it, with the platform's published public key (WebCrypto).
 */

export function canonicalize(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('non-finite number');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => canonicalize(x === undefined ? null : x)).join(',')}]`;
  const o = v as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is what RFC 8785 asks for.
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(o[k])}`).join(',')}}`;
}

function b64urlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '=');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  return b64urlToBytes(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
}

export interface SignedDocument {
  document: Record<string, unknown>;
  signature: { alg: string; key_id: string; value: string };
}
export interface PublicKey {
  key_id: string;
  public_key_pem: string;
  fingerprint: string;
  valid_from: string;
  valid_until: string | null;
}

export type VerifyOutcome = { status: 'valid'; key: PublicKey } | { status: 'invalid'; reason: string } | { status: 'unsupported' };

export async function verifySigned(signed: SignedDocument, keys: PublicKey[]): Promise<VerifyOutcome> {
  if (signed.signature.alg !== 'Ed25519') return { status: 'invalid', reason: 'unsupported_algorithm' };
  const key = keys.find((k) => k.key_id === signed.signature.key_id);
  if (!key) return { status: 'invalid', reason: 'unknown_key' };
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await crypto.subtle.importKey('spki', pemToDer(key.public_key_pem), { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return { status: 'unsupported' };
  }
  const data = new TextEncoder().encode(canonicalize(signed.document));
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, cryptoKey, b64urlToBytes(signed.signature.value), data);
  return ok ? { status: 'valid', key } : { status: 'invalid', reason: 'bad_signature' };
}
