/**
 * Wiring of the interop services (STIX, TAXII, MISP feed) for the composition root and the app,
 * so container.ts and app.ts each take one line for all three.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { DatabaseHandle } from '../../db/database.js';
import type { AuditService } from '../audit/audit.service.js';
import type { IndicatorsService } from '../indicators/indicators.service.js';
import { MispFeedService } from '../sharing/misp/misp.service.js';
import { mispRoutes } from '../sharing/misp/misp.routes.js';
import { StixService } from '../stix/stix.service.js';
import { stixRoutes } from '../stix/stix.routes.js';
import { TaxiiService } from './taxii.service.js';
import { taxiiRoutes } from './taxii.routes.js';

export interface Interop {
  stix: StixService;
  taxii: TaxiiService;
  misp: MispFeedService;
}

export function createInterop(deps: { config: Config; handle: DatabaseHandle; audit: AuditService; indicators: IndicatorsService }): Interop {
  const stix = new StixService(deps.handle, deps.audit, deps.indicators, deps.config.publicUrl);
  const taxii = new TaxiiService(deps.handle, stix, deps.audit, { publicUrl: deps.config.publicUrl, maxContentLength: deps.config.importLimit });
  return { stix, taxii, misp: new MispFeedService(deps.handle.db, deps.audit) };
}

export function interopRoutes(app: FastifyInstance, c: { config: Config; indicators: IndicatorsService; interop: Interop }): void {
  stixRoutes(app, { stix: c.interop.stix, indicators: c.indicators, importLimit: c.config.importLimit });
  taxiiRoutes(app, { taxii: c.interop.taxii, stix: c.interop.stix, maxContentLength: c.config.importLimit });
  mispRoutes(app, c.interop.misp);
}
