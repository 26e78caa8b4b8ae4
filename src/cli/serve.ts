/** `threatshare serve`: the HTTP server (API, docs, later the console and TAXII) until a signal. */
import pino from 'pino';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { createContainer } from '../container.js';
import { isEmpty, seedDemo } from '../demo/seed.js';

/** How long requests in flight get to finish at shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 3000;
/** The longest a shutdown takes before the process exits anyway. */
const SHUTDOWN_HARD_MS = 10_000;

export async function serve(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel });
  log.info({ database: config.databaseUrl ? 'postgres' : 'pglite', dataDir: config.dataDir }, 'starting threatshare');
  const c = await createContainer(config, { loadIndex: false });
  if (config.demo) {
    if (await isEmpty(c)) {
      const { file, credentials } = await seedDemo(c);
      log.info({ file, organizations: credentials.length }, 'demo data seeded; credentials written');
    } else log.info('demo requested, but the database already has data: left as it is');
  }
  // The signing key exists before any transaction needs it (creating it inside one could deadlock on PostgreSQL).
  await c.workflow.notices.ensureKey();
  const app = await buildApp(c, { logger: { level: config.logLevel } });
  await app.listen({ host: config.host, port: config.port });
  // Ready at once: lookups ask the database until the membership filter is built in the
  // background (a few bytes per indicator, one keyset scan), so start-up does not grow with the data.
  const started = Date.now();
  c.indicators.startPolling();
  // The console's search index follows intake in the background (migration 0016).
  c.indicators.startSearchIndexing();
  c.workflow.scheduler.start();
  // The audit chain's head, signed, outside the database: now, periodically and at shutdown.
  await c.checkpoints.write();
  c.checkpoints.start(config.auditCheckpointMs);
  // Retention: a checkpoint follows every sweep that removed audit entries, so the latest one
  // always lies past the retention base.
  c.retention.start(config.retentionSweepMs, () => c.checkpoints.write(), log);
  log.info({ url: `http://${config.host}:${config.port}` }, 'ready');
  c.indicators
    .load()
    .then(() => log.info({ indicators: c.indicators.index.size, filter_bytes: c.indicators.index.filterBytes, ms: Date.now() - started }, 'lookup filter built'))
    .catch((err) => log.error({ err }, 'building the lookup filter failed; lookups keep asking the database'));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    // A request still running must not keep the process alive: running imports stop at their next
    // batch and roll back; connections still open after a grace period (a client that stalls in
    // the middle of a body) are cut; and whatever still holds on is ended by a hard deadline.
    c.imports.stop();
    const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    const hard = setTimeout(() => {
      log.error({ signal }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_HARD_MS);
    hard.unref();
    await app.close();
    clearTimeout(cut);
    await c.checkpoints.write().catch((err) => log.error({ err }, 'audit checkpoint at shutdown failed'));
    await c.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
