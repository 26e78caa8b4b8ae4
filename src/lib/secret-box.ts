/**
 * Encryption at rest for secrets the platform must be able to use again (the Ed25519 signing key,
 * webhook HMAC secrets): AES-256-GCM under a key derived from `THREATSHARE_KEY_SECRET`, or, when
 * that is not set, from a random secret generated once into `$DATA_DIR/secret.key` (mode 0600).
 * Several processes on one PostgreSQL must share the same secret: set the variable for them all.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (!secret) throw new Error('SecretBox needs a secret');
    // Domain-separated so the same secret used elsewhere gives another key.
    this.key = createHash('sha256').update('threatshare secret-box v1\n').update(secret).digest();
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('cannot decrypt a stored secret: THREATSHARE_KEY_SECRET (or $DATA_DIR/secret.key) differs from the one it was sealed with');
    }
  }
}

/** The secret from the environment, else from `$DATA_DIR/secret.key`, created on first use. */
export function loadPlatformSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.THREATSHARE_KEY_SECRET) return env.THREATSHARE_KEY_SECRET;
  const file = path.join(dataDir, 'secret.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    try {
      fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another process created it first.
      return fs.readFileSync(file, 'utf8').trim();
    }
  }
}
