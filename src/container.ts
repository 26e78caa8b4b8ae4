/**
 * The composition root: opens the database, migrates it, and wires every service once, for the
 * HTTP app, the CLI and the scheduler alike.
 */
import path from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrate } from './db/migrate.js';
import { AuditService } from './modules/audit/audit.service.js';
import { AuditCheckpoints } from './modules/audit/checkpoints.service.js';
import { AuthService } from './modules/auth/auth.service.js';
import { SessionsService } from './modules/auth/sessions.service.js';
import { loadPlatformSecret, SecretBox } from './lib/secret-box.js';
import { ipEnricher, IndicatorsService } from './modules/indicators/indicators.service.js';
import { ListingService } from './modules/indicators/listing.service.js';
import { OrgsService } from './modules/orgs/orgs.service.js';
import { EvidenceService } from './modules/reports/evidence.service.js';
import { createWorkflow, type Workflow } from './workflow.js';
import { ImportsService } from './modules/reports/imports.service.js';
import { ReportsService } from './modules/reports/reports.service.js';
import { createInterop, type Interop } from './modules/taxii/interop.js';
import { publishCaseHook } from './modules/stix/stix-cases.js';
import { createSharing, type Sharing } from './modules/sharing/sharing.js';
import { RetentionService } from './modules/retention/retention.service.js';

export interface Container {
  config: Config;
  handle: DatabaseHandle;
  audit: AuditService;
  /** Signed checkpoints of the audit chain, kept in $DATA_DIR and published. */
  checkpoints: AuditCheckpoints;
  auth: AuthService;
  orgs: OrgsService;
  indicators: IndicatorsService;
  /** Whether each indicator is in force as a blocking order, following its cases and notices. */
  listing: ListingService;
  reports: ReportsService;
  imports: ImportsService;
  evidence: EvidenceService;
  /** The handling workflow (cases, decisions, notices, enforcement, appeals, webhooks, sweeps). */
  workflow: Workflow;
  /** Console sign-in sessions (cookie + CSRF). */
  sessions: SessionsService;
  /** STIX 2.1 in/out, the TAXII 2.1 server and the MISP feed. */
  interop: Interop;
  /** Bulletins, releases, feeds and exports, subscriptions and the event stream (issue 5). */
  sharing: Sharing;
  /** The retention sweep of the audit log and sightings (configured periods). */
  retention: RetentionService;
  /** Re-reads what services cache from the directory (declared scopes) after organizations change. */
  refreshDirectory(): Promise<void>;
  close(): Promise<void>;
}

export async function createContainer(config: Config, options: { handle?: DatabaseHandle; loadIndex?: boolean } = {}): Promise<Container> {
  const handle =
    options.handle ??
    (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite') }));
  await migrate(handle);
  const db = handle.db;
  const audit = new AuditService(db);
  const auth = new AuthService(db, audit);
  const orgs = new OrgsService(db, audit, (ip) => ipEnricher().enrich(ip));
  const indicators = new IndicatorsService(handle, audit);
  const reports = new ReportsService(db, audit, indicators);
  const imports = new ImportsService(handle, audit, indicators, reports);
  const evidence = new EvidenceService(db, audit);
  const listing = new ListingService(db, audit);
  const workflow = createWorkflow({ db, audit, orgs, indicators, listing, reports, dataDir: config.dataDir, publicUrl: config.publicUrl });
  const sessions = new SessionsService(db, audit, auth, new SecretBox(loadPlatformSecret(process.env, config.dataDir)));
  const checkpoints = new AuditCheckpoints(db, config.dataDir, config.publicUrl, {
    sign: (build) => workflow.notices.signStatement(build),
    publicKeys: async () => (await workflow.notices.publicKeys()).keys,
  });

  const interop = createInterop({ config, handle, audit, indicators });
  workflow.cases.onCaseChanged.push(publishCaseHook(interop.stix, workflow.cases));
  const sharing = await createSharing({ handle, audit, indicators, reports, webhooks: workflow.webhooks, publicUrl: config.publicUrl });

  const retention = new RetentionService(db, audit, listing, { audit_days: config.auditRetentionDays ?? 0, sighting_days: config.sightingRetentionDays ?? 0 });

  let directoryGeneration = -1;
  const refreshDirectory = async () => {
    if (directoryGeneration === orgs.generation) return;
    directoryGeneration = orgs.generation;
    const { scopes } = await orgs.directory();
    indicators.setScopes(scopes);
  };
  await refreshDirectory();
  if (options.loadIndex !== false) await indicators.load();

  return {
    config,
    handle,
    audit,
    checkpoints,
    auth,
    orgs,
    indicators,
    listing,
    reports,
    imports,
    evidence,
    workflow,
    sessions,
    interop,
    sharing,
    retention,
    refreshDirectory,
    async close() {
      checkpoints.stop();
      indicators.stopPolling();
      await indicators.stopSearchIndexing();
      await workflow.scheduler.stop();
      interop.stix.stopSyncing();
      sharing.stop();
      retention.stop();
      await handle.close();
    },
  };
}
