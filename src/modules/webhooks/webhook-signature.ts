/**
 * Signed webhooks, the pure part: the HMAC-SHA256 signature a receiver checks, and the retry
 * schedule. The signature covers `<timestamp>.<body>` so a captured request cannot be replayed
 * later with a new timestamp; receivers should refuse timestamps older than a few minutes.
 *
 *   X-Threatshare-Event: notice.issued
 *   X-Threatshare-Delivery: <event id, stable across retries: deduplicate on it>
 *   X-Threatshare-Timestamp: <unix seconds>
 *   X-Threatshare-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-threatshare-signature';
export const TIMESTAMP_HEADER = 'x-threatshare-timestamp';
export const EVENT_HEADER = 'x-threatshare-event';
export const DELIVERY_HEADER = 'x-threatshare-delivery';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Receiver side: a valid signature within `toleranceSeconds` of `now`. */
export function verifyWebhook(input: { secret: string; timestamp: string | undefined; signature: string | undefined; body: string; now?: Date; toleranceSeconds?: number }): boolean {
  const ts = Number(input.timestamp);
  if (!Number.isInteger(ts) || !input.signature) return false;
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - ts) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(input.secret, ts, input.body));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export const MAX_ATTEMPTS = 10;

/** Exponential backoff: 10 s, 20 s, 40 s … capped at one hour; null after the last attempt. */
export function nextAttemptDelayMs(attemptsMade: number): number | null {
  if (attemptsMade >= MAX_ATTEMPTS) return null;
  return Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attemptsMade - 1));
}
