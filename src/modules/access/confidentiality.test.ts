import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Principal } from '../auth/principal.js';
import { storedAudienceTlp } from '../stix/stix-render.js';
import {
  FIELD_CLASSIFICATION,
  isEntitledToRestricted,
  isRestrictedTlp,
  redactRecord,
  REDACTED,
  RESTRICTED_READ_ID_CAP,
  RestrictedRead,
  restrictedFieldsPresent,
  restrictedFieldsRevealed,
} from './confidentiality.js';
import { feedAudienceOf, isInFeed, policyAllows } from './feed-audience.js';
import { releaseMachine } from '../sharing/release-state.js';

const principal = (orgKind: Principal['orgKind'], over: Partial<Principal> = {}): Principal => ({
  orgId: 'org-x',
  orgKind,
  orgName: 'x',
  provinceCode: orgKind === 'regulator_national' || orgKind === 'professional_institution' ? null : '440000',
  userId: null,
  tokenId: 't',
  username: null,
  roles: ['admin'],
  ...over,
});

describe('field classification and redaction (Art. 12)', () => {
  const org = {
    id: 'o1',
    name: '某公司',
    responsible_person: { name: '张三', phone: '+8613800000000', email: 'zs@example.cn' },
    contacts: [{ name: '李四', role: 'duty', phone: '+8613900000000' }],
    scopes: [{ kind: 'cidr', value: '1.2.3.0/24' }],
  };

  test('redacts every personal and trade-secret field of an organization and leaves the rest', () => {
    const out = redactRecord('organization', org, false);
    assert.deepEqual(out, {
      id: 'o1',
      name: '某公司',
      responsible_person: { name: REDACTED, phone: REDACTED, email: REDACTED },
      contacts: [{ name: REDACTED, role: 'duty', phone: REDACTED }],
      scopes: [],
    });
    assert.equal(org.responsible_person.phone, '+8613800000000', 'the input is not changed');
    assert.equal(redactRecord('organization', org, true), org);
    assert.ok(!JSON.stringify(out).includes('138000') && !JSON.stringify(out).includes('张三'));
  });

  test('a report\u2019s victim, analysis and reporter are restricted; an indicator value only when it is personal', () => {
    const report = { id: 'r', title: 't', affected_party: { name: '王五', contact: '+8613700000000' }, description: 'how we found it', org_id: 'o2', evidence_sha256: ['ab'] };
    const out = redactRecord('report', report, false);
    assert.equal(out.affected_party, null);
    assert.equal(out.description, REDACTED);
    assert.equal(out.org_id, REDACTED);
    assert.deepEqual(out.evidence_sha256, []);
    assert.equal(out.title, 't');
    assert.equal(redactRecord('indicator', { type: 'domain', value: 'evil.com' }, false).value, 'evil.com');
    for (const type of ['email', 'phone', 'broadband_account']) assert.equal(redactRecord('indicator', { type, value: 'v' }, false).value, REDACTED, type);
    assert.deepEqual(restrictedFieldsRevealed('indicator', { type: 'phone', value: '+86138' }, true), ['value']);
    assert.deepEqual(restrictedFieldsRevealed('indicator', { type: 'phone', value: '+86138' }, false), []);
  });

  test('no classified string survives redaction, whatever the record holds (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6 }), fc.string({ minLength: 6 }), fc.array(fc.string({ minLength: 6 }), { maxLength: 3 }), (name, phone, contactPhones) => {
        const o = { responsible_person: { name, phone, email: 'e@x.cn' }, contacts: contactPhones.map((p) => ({ name: 'n', phone: p })) };
        const out = redactRecord('organization', o, false);
        assert.equal(out.responsible_person.name, REDACTED);
        assert.equal(out.responsible_person.phone, REDACTED);
        for (const c of out.contacts) assert.equal(c.phone, REDACTED);
        assert.deepEqual(restrictedFieldsPresent('organization', out).sort(), restrictedFieldsPresent('organization', o).filter((f) => f !== 'scopes').sort());
      }),
    );
  });

  test('entitlement: regulators in their jurisdiction, institutions and the owner; never the public or another unit', () => {
    assert.equal(isEntitledToRestricted(null), false);
    assert.equal(isEntitledToRestricted(principal('regulator_national')), true);
    assert.equal(isEntitledToRestricted(principal('regulator_provincial'), { province_code: '440000' }), true);
    // Issue 12 item 1: a province-less record (a victim's e-mail) or another province's is not in its reach.
    assert.equal(isEntitledToRestricted(principal('regulator_provincial')), false);
    assert.equal(isEntitledToRestricted(principal('regulator_provincial'), { province_code: '110000' }), false);
    assert.equal(isEntitledToRestricted(principal('professional_institution')), true);
    assert.equal(isEntitledToRestricted(principal('internet_company'), { org_ids: ['org-x'] }), true);
    assert.equal(isEntitledToRestricted(principal('internet_company'), { org_ids: ['other', null] }), false);
    assert.ok(Object.keys(FIELD_CLASSIFICATION).length >= 4);
  });
});

describe('the audit entry of a restricted read (Art. 12)', () => {
  test('one entry for many records: field names, amber-or-stricter markings, ids capped, the true count', () => {
    const read = new RestrictedRead('report.list', 'report', 'list', '440000');
    for (let i = 0; i < RESTRICTED_READ_ID_CAP + 20; i++) read.add(`r${i}`, ['affected_party', 'org_id'], i % 2 ? 'amber' : 'green');
    read.add('r0', ['description']); // the same record again: counted once
    const e = read.entry()!;
    assert.equal(e.action, 'restricted.read');
    assert.deepEqual([e.object_type, e.object_id, e.province_code], ['report', 'list', '440000']);
    const data = e.data as { channel: string; fields: string[]; tlp: string[]; count: number; ids: string[]; ids_truncated?: boolean };
    assert.equal(data.channel, 'report.list');
    assert.deepEqual(data.fields, ['affected_party', 'description', 'org_id']);
    assert.deepEqual(data.tlp, ['amber']);
    assert.equal(data.count, RESTRICTED_READ_ID_CAP + 20);
    assert.equal(data.ids.length, RESTRICTED_READ_ID_CAP);
    assert.equal(data.ids_truncated, true);
  });

  test('nothing restricted read, nothing written: CLEAR and GREEN records without classified fields', () => {
    const read = new RestrictedRead('taxii.objects', 'taxii_collection', 'c');
    for (const tlp of ['clear', 'green', null, undefined, 'unknown']) read.add('x', [], tlp);
    assert.equal(read.entry(), null);
    assert.deepEqual(['clear', 'green', 'amber', 'amber+strict', 'red'].map(isRestrictedTlp), [false, false, true, true, true]);
    assert.deepEqual(new RestrictedRead('case.get', 'case', 'c').add('c', ['value'], null, 'indicators').fields, ['indicators.value']);
  });

  test('an empty field reveals nothing', () => {
    assert.deepEqual(restrictedFieldsPresent('report', { description: '', affected_party: null, org_id: 'o', evidence_sha256: [] }), ['org_id']);
  });

  test('a personal indicator value is stored for the TLP:AMBER audience at least, whatever its marking', () => {
    for (const type of ['email', 'phone', 'broadband_account']) {
      assert.deepEqual(['clear', 'green', 'amber', 'amber+strict', 'red'].map((t) => storedAudienceTlp(type, t)), ['amber', 'amber', 'amber', 'amber+strict', 'red'], type);
    }
    assert.equal(storedAudienceTlp('domain', 'green'), 'green');
  });
});

describe('feed audiences agree with indicator-visibility.ts', () => {
  const tlps = ['clear', 'green', 'amber', 'amber+strict', 'red'];
  const provinces = [null, '440000', '110000'];
  const orgs = [null, 'org-x', 'other'];
  const kinds: Principal['orgKind'][] = ['regulator_national', 'regulator_provincial', 'professional_institution', 'telecom_operator', 'security_vendor', 'internet_company', 'domain_registrar'];

  test('for every kind of organization and every combination of TLP, province, responsible unit and reporting', () => {
    let checked = 0;
    for (const kind of kinds)
      for (const province of ['440000', null])
        for (const tlp of tlps)
          for (const ip of provinces)
            for (const resp of orgs)
              for (const reported of [false, true]) {
                const p = principal(kind, { provinceCode: kind === 'regulator_national' || kind === 'professional_institution' ? null : province });
                const facts = { tlp, province_code: ip, responsible_org_id: resp, reported_by_org: reported };
                assert.equal(isInFeed(feedAudienceOf(p), facts), policyAllows(p, facts), `${kind} ${province} ${JSON.stringify(facts)}`);
                checked++;
              }
    assert.equal(checked, kinds.length * 2 * tlps.length * provinces.length * orgs.length * 2);
  });

  test('the public feed is TLP:CLEAR only', () => {
    for (const tlp of tlps) assert.equal(isInFeed(feedAudienceOf(null), { tlp, province_code: null, responsible_org_id: null, reported_by_org: false }), tlp === 'clear');
  });
});

describe('release state machine', () => {
  test('publication only after approval; rejection goes back to the author', () => {
    assert.deepEqual(releaseMachine.next('draft', 'publish'), { ok: false, allowed: ['revise', 'submit'] });
    assert.deepEqual(releaseMachine.next('submitted', 'publish'), { ok: false, allowed: ['approve', 'reject'] });
    assert.deepEqual(releaseMachine.next('approved', 'publish'), { ok: true, state: 'published' });
    assert.deepEqual(releaseMachine.next('rejected', 'revise'), { ok: true, state: 'draft' });
    assert.ok(releaseMachine.isTerminal('withdrawn'));
    // Every path to `published` passes through `approved`.
    for (const t of releaseMachine.transitions) if (t.to === 'published') assert.equal(t.from, 'approved');
  });
});
