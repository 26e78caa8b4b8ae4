/**
 * Threat cases reach the STIX store with their identification (issue 4): driven over HTTP through
 * the handling workflow, read back from /api/v1/stix/objects and checked against the OASIS schemas.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { caseOfReport, confirmedCase, freshIp, inject, report } from '../../../test/helpers/workflow.js';
import { THREATSHARE_EXTENSION_ID } from './stix-extension.js';
import { deriveSdoId } from './stix-ids.js';
import { createStixValidator } from './stix-schema-validator.js';

const validator = createStixValidator();

describe(`threat cases as STIX 2.1 (${dbLabel})`, () => {
  let h: Harness;
  let national: TestOrg;
  let inst: TestOrg;
  let vendor: TestOrg;

  before(async () => {
    h = await startHarness();
    national = await makeOrg(h.c, 'regulator_national');
    inst = await makeOrg(h.c, 'professional_institution');
    vendor = await makeOrg(h.c, 'security_vendor');
  });
  after(() => h.close());

  /** The stored bundle of one STIX id, every object schema-valid; null when absent. */
  async function stored(id: string, who: TestOrg = inst): Promise<any[] | null> {
    const r = await inject(h, who, 'GET', `/api/v1/stix/objects/${id}`);
    if (r.status === 404) return null;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const bundle = typeof r.body === 'string' ? JSON.parse(r.body) : r.body;
    assert.deepEqual(validator.validate(bundle), [], 'bundle');
    for (const o of bundle.objects) assert.deepEqual(validator.validate(o), [], `${o.type} ${o.id}`);
    return bundle.objects;
  }

  test('a confirmed case is published as a report with its verdict, severity, analysis and sighting', async () => {
    const ip = freshIp('113.109');
    const caseId = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: national, observables: [{ type: 'ipv4', value: ip }] });
    const objects = await stored(deriveSdoId('report', caseId));
    assert.ok(objects, 'the report is stored');
    assert.equal(objects.length, 1);
    const rep = objects[0];
    assert.equal(rep.type, 'report');
    assert.equal(rep.description, 'seen');
    assert.deepEqual(rep.extensions[THREATSHARE_EXTENSION_ID], {
      extension_type: 'property-extension',
      category: 'malicious_resource',
      subtype: 'botnet_c2',
      severity: 'major',
      verdict: 'confirmed',
    });
    assert.ok(rep.labels.includes('threatshare:severity=major'));
    assert.ok(rep.report_types.includes('indicator'));
    const sightings = rep.object_refs.filter((ref: string) => ref.startsWith('sighting--'));
    assert.equal(sightings.length, 1, 'one sighting per indicator of the case');
    const [sighting] = (await stored(sightings[0]))!;
    assert.equal(sighting.type, 'sighting');
    assert.ok(rep.object_refs.includes(sighting.sighting_of_ref), 'the sighted indicator is referenced');
    const [indicator] = (await stored(sighting.sighting_of_ref))!;
    assert.ok(String(indicator.pattern).includes(ip), indicator.pattern);
    // No grouping for a confirmed case.
    assert.equal(await stored(deriveSdoId('grouping', caseId)), null);
  });

  test('the decision republishes the case in the same step: a newer modified, one version', async () => {
    const caseId = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: national, observables: [{ type: 'ipv4', value: freshIp('113.109') }] });
    const before = (await stored(deriveSdoId('report', caseId)))![0];
    await new Promise((r) => setTimeout(r, 5));
    const d = await inject(h, national, 'POST', `/api/v1/cases/${caseId}/close`, { reasons: 'The unit already took the server down.' });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    const afterDecision = (await stored(deriveSdoId('report', caseId)))![0];
    assert.ok(Date.parse(afterDecision.modified) > Date.parse(before.modified), `${afterDecision.modified} > ${before.modified}`);
    assert.equal(afterDecision.created, before.created);
    const all = await inject(h, inst, 'GET', `/api/v1/stix/objects/${deriveSdoId('report', caseId)}?versions=all`);
    const versions = (typeof all.body === 'string' ? JSON.parse(all.body) : all.body).objects;
    assert.equal(versions.length, 1);
    assert.equal(versions[0].modified, afterDecision.modified);
  });

  test('a rejected case is a grouping with context unspecified; more information needed publishes nothing', async () => {
    const rep = await report(h, vendor, [{ type: 'ipv4', value: freshIp('113.109') }]);
    const caseId = await caseOfReport(h, rep.id);
    assert.equal((await inject(h, national, 'POST', `/api/v1/cases/${caseId}/assign`, { institution_org_id: inst.id })).status, 200);
    const ask = await inject(h, inst, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'more_info_needed', questions: ['When was it seen?'] });
    assert.equal(ask.status, 200, JSON.stringify(ask.body));
    assert.equal(await stored(deriveSdoId('grouping', caseId)), null);
    assert.equal(await stored(deriveSdoId('report', caseId)), null);
    const answer = await inject(h, vendor, 'POST', `/api/v1/cases/${caseId}/information`, { answers: 'Yesterday, 03:00.' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const no = await inject(h, inst, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'rejected', analysis: 'A sinkhole, not a C2.', reasons: 'sinkhole' });
    assert.equal(no.status, 200, JSON.stringify(no.body));
    const [grouping] = (await stored(deriveSdoId('grouping', caseId)))!;
    assert.equal(grouping.type, 'grouping');
    assert.equal(grouping.context, 'unspecified');
    assert.equal(grouping.description, 'A sinkhole, not a C2.');
    assert.equal(grouping.extensions[THREATSHARE_EXTENSION_ID].verdict, 'rejected');
    assert.equal(await stored(deriveSdoId('report', caseId)), null);
  });
});
