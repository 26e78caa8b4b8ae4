/**
 * The handling workflow's part of the composition root: builds its services once (for the HTTP
 * app, the CLI and the scheduler), wires the hooks between them, registers the intake hook, and
 * registers the routes. container.ts and app.ts each call one function here.
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from './db/database.js';
import { AdjustableClock, systemClock, type Clock } from './lib/clock.js';
import { SecretBox } from './lib/secret-box.js';
import type { AuditService } from './modules/audit/audit.service.js';
import { DecisionsService } from './modules/decisions/decisions.service.js';
import { decisionsRoutes } from './modules/decisions/decisions.routes.js';
import { DirectoryCache } from './modules/decisions/directory-cache.js';
import { AppealsService } from './modules/enforcement/appeals.service.js';
import { enforcementRoutes } from './modules/enforcement/enforcement.routes.js';
import { EnforcementService } from './modules/enforcement/enforcement.service.js';
import { identificationRoutes } from './modules/identification/identification.routes.js';
import { IdentificationService } from './modules/identification/identification.service.js';
import type { IndicatorsService } from './modules/indicators/indicators.service.js';
import type { ListingService } from './modules/indicators/listing.service.js';
import { noticesRoutes } from './modules/notices/notices.routes.js';
import { NoticesService } from './modules/notices/notices.service.js';
import type { OrgsService } from './modules/orgs/orgs.service.js';
import type { ReportsService } from './modules/reports/reports.service.js';
import { statsRoutes } from './modules/stats/stats.routes.js';
import { StatsService } from './modules/stats/stats.service.js';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes.js';
import { WebhooksService } from './modules/webhooks/webhooks.service.js';
import { Scheduler } from './scheduler.js';
import { loadWorkflowConfig, type WorkflowConfig } from './workflow.config.js';

export interface Workflow {
  config: WorkflowConfig;
  /** `AdjustableClock` under tests (THREATSHARE_TEST_CLOCK=1 or `options.clock`), else the system clock. */
  clock: Clock;
  webhooks: WebhooksService;
  cases: IdentificationService;
  decisions: DecisionsService;
  notices: NoticesService;
  enforcement: EnforcementService;
  appeals: AppealsService;
  stats: StatsService;
  scheduler: Scheduler;
}

export function createWorkflow(
  deps: { db: Db; audit: AuditService; orgs: OrgsService; indicators: IndicatorsService; listing: ListingService; reports: ReportsService; dataDir: string; publicUrl: string },
  options: { env?: NodeJS.ProcessEnv; clock?: Clock } = {},
): Workflow {
  const env = options.env ?? process.env;
  const config = loadWorkflowConfig(env, deps.dataDir);
  const clock = options.clock ?? (env.THREATSHARE_TEST_CLOCK === '1' ? new AdjustableClock() : systemClock);
  const box = new SecretBox(config.keySecret);
  const directory = new DirectoryCache(deps.orgs);
  const webhooks = new WebhooksService(deps.db, deps.audit, box, clock, config.webhookEgress);
  const notices = new NoticesService(deps.db, deps.audit, webhooks, directory, box, clock, config.deadlinePolicy, deps.publicUrl);
  const cases = new IdentificationService(deps.db, deps.audit, webhooks, directory, clock);
  const decisions = new DecisionsService(deps.db, deps.audit, cases, notices, deps.indicators, directory, webhooks, clock);
  const enforcement = new EnforcementService(deps.db, deps.audit, notices, directory, webhooks, clock);
  const appeals = new AppealsService(deps.db, deps.audit, cases, notices, enforcement, directory, webhooks, clock, config.appealPeriodDays);
  const stats = new StatsService(deps.db);
  cases.notices = notices;
  notices.hooks.onSettled = cases.closeIfSettled;
  notices.hooks.onOverdue = enforcement.openForOverdue;
  // Escalation does not end a notice for its case: an overdue notice still owes a result, and a
  // late one waits for verification on it (issue 11). The case closes when that result is verified.
  enforcement.onSettled = cases.closeIfSettled;
  // An indicator's listing follows its case and the notices in force (listing.ts).
  notices.hooks.onStateChanged = deps.listing.onNoticeChanged;
  deps.listing.onRelisted.push((ids) => deps.indicators.markStale(ids));
  webhooks.onCommitted.push(() => deps.indicators.refreshStale());
  cases.onCaseChanged.push(async (tx, caseId, change) => (change ? deps.listing.onCaseTransition(tx, caseId, change.from, change.to) : undefined));
  deps.reports.intakeHooks.push(cases.onIntake);
  deps.reports.intakeHooks.push((tx, report, ids, _actor, storedBefore) => deps.listing.onIntake(tx, report, ids, storedBefore));
  const scheduler = new Scheduler(notices, webhooks, config.sweepIntervalMs);
  return { config, clock, webhooks, cases, decisions, notices, enforcement, appeals, stats, scheduler };
}

export function workflowRoutes(app: FastifyInstance, w: Workflow): void {
  identificationRoutes(app, w.cases);
  decisionsRoutes(app, w.decisions);
  noticesRoutes(app, w.notices);
  enforcementRoutes(app, w.enforcement, w.appeals);
  webhooksRoutes(app, w.webhooks);
  statsRoutes(app, w.stats);
}
