/**
 * Configuration of the handling workflow, read once from the environment (README "Configuration"):
 *
 *   THREATSHARE_KEY_SECRET        secret that encrypts the signing key and webhook secrets at rest
 *                                 (default: generated once into $DATA_DIR/secret.key)
 *   THREATSHARE_DEADLINE_POLICY   path of a JSON deadline policy merged over the defaults
 *                                 (docs/workflow.md "Deadlines")
 *   THREATSHARE_APPEAL_DAYS       period for an appeal (复核), calendar days (default 15)
 *   THREATSHARE_SWEEP_MS          interval of the scheduled sweeps, ms (default 30000; 0 = off)
 *   WEBHOOK_ALLOW_ADDRESSES       IPs or CIDRs a webhook may reach although not public (test receivers)
 *   WEBHOOK_ALLOW_HTTP            1: accept plain http webhook endpoints (development)
 */
import fs from 'node:fs';
import { DEFAULT_DEADLINE_POLICY, parseDeadlinePolicy, type DeadlinePolicy } from './modules/notices/deadline-policy.js';
import { DEFAULT_APPEAL_PERIOD_DAYS } from './modules/enforcement/appeal-state.js';
import { loadPlatformSecret } from './lib/secret-box.js';
import { egressPolicyFrom, type WebhookEgressPolicy } from './modules/webhooks/webhook-transport.js';

export interface WorkflowConfig {
  keySecret: string;
  deadlinePolicy: DeadlinePolicy;
  appealPeriodDays: number;
  sweepIntervalMs: number;
  /** Where webhooks may go (public https only, unless configured for a test receiver). */
  webhookEgress: WebhookEgressPolicy;
}

export function loadWorkflowConfig(env: NodeJS.ProcessEnv, dataDir: string): WorkflowConfig {
  let deadlinePolicy = DEFAULT_DEADLINE_POLICY;
  const file = env.THREATSHARE_DEADLINE_POLICY;
  if (file) {
    const parsed = parseDeadlinePolicy(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.ok) throw new Error(`THREATSHARE_DEADLINE_POLICY ${file}: ${parsed.errors.map((e) => `${e.field || '/'}: ${e.message}`).join('; ')}`);
    deadlinePolicy = parsed.policy;
  }
  const int = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number from ${min}, got "${raw}"`);
    return n;
  };
  return {
    keySecret: loadPlatformSecret(env, dataDir),
    deadlinePolicy,
    appealPeriodDays: int('THREATSHARE_APPEAL_DAYS', DEFAULT_APPEAL_PERIOD_DAYS, 1),
    sweepIntervalMs: int('THREATSHARE_SWEEP_MS', 30_000, 0),
    webhookEgress: egressPolicyFrom(env),
  };
}
