import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import {
  buildNoticeDocument,
  canonicalize,
  signDocument,
  verifySignedDocument,
  generateSigningKey,
  keyFingerprint,
  documentDigest,
  signatureFingerprint,
  renderNoticeHtml,
  checkNoticeHtml,
  extractSignedNoticeFromHtml,
  escapeHtml,
  type NoticeDocumentInput,
  type PublicKeyRecord,
} from './notice-document.js';
import { Problem } from '../../lib/problem.js';

const issued_at = new Date('2026-01-05T02:00:00.000Z');
const base: NoticeDocumentInput = {
  kind: 'handling_notice',
  notice_id: 'N-2026-000001',
  issued_at,
  issuer: { org_id: 'gd-ca', name: '广东省通信管理局' },
  recipient: { org_id: 'ct-gd', name: '中国电信广东分公司' },
  case_ref: { case_id: 'C-1', decision_id: 'D-1' },
  measure: 'block_ip',
  targets: [
    { type: 'ipv4', value: '203.0.113.9' },
    { type: 'cidr', value: '198.51.100.0/24' },
    { type: 'ipv4', value: '203.0.113.9' },
  ],
  deadline: new Date('2026-01-05T04:00:00.000Z'),
  emergency: true,
  phone_notified_at: new Date('2026-01-05T01:30:00.000Z'),
};

const key = generateSigningKey(new Date('2026-01-01T00:00:00Z'));
const published: PublicKeyRecord[] = [
  { key_id: key.key_id, public_key_pem: key.public_key_pem, valid_from: '2026-01-01T00:00:00Z', valid_until: null },
];

describe('buildNoticeDocument', () => {
  test('builds the fixed shape with labels and citations copied in, targets sorted and deduplicated', () => {
    const d = buildNoticeDocument(base);
    assert.deepEqual(d, {
      schema: 'threatshare.notice/1',
      kind: 'handling_notice',
      notice_id: 'N-2026-000001',
      version: 1,
      issued_at: '2026-01-05T02:00:00.000Z',
      issuer: { org_id: 'gd-ca', name: '广东省通信管理局' },
      recipient: { org_id: 'ct-gd', name: '中国电信广东分公司' },
      case_ref: { case_id: 'C-1', decision_id: 'D-1' },
      measure: { code: 'block_ip', label: { zh: '封堵恶意IP地址', en: 'Block malicious IP addresses' } },
      targets: [
        { type: 'cidr', value: '198.51.100.0/24' },
        { type: 'ipv4', value: '203.0.113.9' },
      ],
      legal_basis: [
        { ref: 'measures_art8', citation: { zh: '《办法》第八条', en: 'the Measures, Art. 8' } },
        { ref: 'measures_art9', citation: { zh: '《办法》第九条', en: 'the Measures, Art. 9' } },
      ],
      deadline: '2026-01-05T04:00:00.000Z',
      emergency: true,
      phone_notified_at: '2026-01-05T01:30:00.000Z',
      references: null,
      reasons: null,
      threat: null,
      remedies: null,
      penalty: null,
    });
  });

  /** A penalty decision's input: no measure, targets, deadline or phone call. */
  const penaltyBase: NoticeDocumentInput = { ...base, kind: 'penalty_decision', measure: null, targets: [], deadline: null, emergency: false, phone_notified_at: null };

  test('a penalty decision carries the checked penalty and cites Art. 13 and the CSL provision', () => {
    const d = buildNoticeDocument({
      ...penaltyBase,
      penalty: { provision: 'csl_2016_art59', tier: 'refusal_or_harm', kind: 'fine', conduct_date: '2025-06-01', unit_amount: 50_000, person_amount: 10_000, person_name: '张三' },
    });
    assert.deepEqual(d.legal_basis.map((b) => b.citation.zh), ['《办法》第十三条', '《网络安全法》第五十九条']);
    assert.deepEqual(d.penalty, {
      provision: 'csl_2016_art59', tier: 'refusal_or_harm', kind: 'fine', conduct_date: '2025-06-01', is_cii: false, currency: 'CNY', unit_amount: 50_000, person_amount: 10_000, person_name: '张三',
    });
  });

  test('a penalty decision states the remedies and their time limits; its overdue notice is not called withdrawn', () => {
    const d = buildNoticeDocument({
      ...penaltyBase,
      references: { notice_id: 'N-9', version: 1 },
      penalty: { provision: 'csl_2016_art59', tier: 'refusal_or_harm', kind: 'fine', conduct_date: '2025-06-01', unit_amount: 50_000, person_amount: 0 },
    });
    assert.match(d.remedies?.zh ?? '', /六十日内.*行政复议.*六个月内.*行政诉讼/);
    assert.match(d.remedies?.en ?? '', /reconsideration within 60 days.*within six months/);
    const html = renderNoticeHtml({ document: d, signature: { alg: 'Ed25519', key_id: 'k', value: 'AA' } } as never, 'zh', { public_keys_url: 'http://127.0.0.1:8080/.well-known/threatshare-keys.json' });
    assert.match(html, /所涉逾期未处置的通知/);
    assert.doesNotMatch(html, /所撤销的通知/);
    assert.match(html, /救济途径和期限/);
    // The command printed on the page works as printed: it names the keys.
    assert.match(html, /threatshare notice verify notice\.html --keys http:\/\/127\.0\.0\.1:8080\/\.well-known\/threatshare-keys\.json/);
    const handling = buildNoticeDocument(base);
    assert.equal(handling.remedies, null);
  });

  test('a handling notice names its threat: category and sub-type with labels, title, severity', () => {
    const d = buildNoticeDocument({ ...base, reasons: '经认定为僵尸网络控制端', threat: { category: 'malicious_resource', subtype: 'botnet_c2', title: 'Mirai C2', severity: 'major' } });
    assert.deepEqual(d.threat, { category: 'malicious_resource', subtype: 'botnet_c2', label: { zh: '恶意网络资源 · 僵尸网络控制端', en: 'Malicious network resource · Botnet controller' }, title: 'Mirai C2', severity: 'major' });
    assert.equal(d.reasons, '经认定为僵尸网络控制端');
    const html = renderNoticeHtml({ document: d, signature: { alg: 'Ed25519', key_id: 'k', value: 'AA' } } as never, 'zh');
    assert.match(html, /僵尸网络控制端/);
    assert.match(html, /Mirai C2/);
    assert.match(html, /经认定为僵尸网络控制端/);
    assert.throws(() => buildNoticeDocument({ ...base, threat: { category: 'malicious_resource', subtype: 'nope', title: 't' } }), (e: { field?: string }) => e.field === '/threat');
  });

  test('a withdrawal names what it withdraws and cites Art. 10', () => {
    const d = buildNoticeDocument({ ...base, kind: 'withdrawal', measure: 'block_ip', deadline: null, emergency: false, phone_notified_at: null, references: { notice_id: 'N-1', version: 2 }, reasons: '复核撤销认定' });
    assert.deepEqual([d.references, d.reasons, d.legal_basis.map((b) => b.ref)], [{ notice_id: 'N-1', version: 2 }, '复核撤销认定', ['measures_art10']]);
  });

  const refused: [string, Partial<NoticeDocumentInput>, string][] = [
    ['unknown kind', { kind: 'memo' as never }, '/kind'],
    ['no notice id', { notice_id: ' ' }, '/notice_id'],
    ['version 0', { version: 0 }, '/version'],
    ['recipient without name', { recipient: { org_id: 'x', name: '' } }, '/recipient'],
    ['invalid issue time', { issued_at: new Date('x') }, '/issued_at'],
    ['deadline before issue', { deadline: new Date('2026-01-05T01:00:00Z') }, '/deadline'],
    ['no deadline for a block', { deadline: null }, '/deadline'],
    ['phone call after the written notice', { phone_notified_at: new Date('2026-01-05T03:00:00Z') }, '/phone_notified_at'],
    ['no measure', { measure: null }, '/measure'],
    ['no targets', { targets: [] }, '/targets'],
    ['target the measure cannot act on', { targets: [{ type: 'domain', value: 'x.example' }] }, '/targets/0/type'],
    ['emergency for a measure that is never an emergency', { measure: 'remove_malware', targets: [{ type: 'file_hash', value: 'ab' }] }, '/emergency'],
    ['unknown legal reference', { legal_basis: ['measures_art99' as never] }, '/legal_basis/0'],
    ['penalty decision without penalty', { kind: 'penalty_decision' }, '/penalty'],
    ['penalty out of range', { kind: 'penalty_decision', penalty: { provision: 'csl_2016_art59', tier: 'refusal_or_harm', kind: 'fine', conduct_date: '2025-06-01', unit_amount: 1 } }, '/penalty/unit_amount'],
    ['penalty under a law not in force', { kind: 'penalty_decision', penalty: { provision: 'csl_2016_art59', tier: 'refusal_or_harm', kind: 'fine', conduct_date: '2026-06-01', unit_amount: 50_000 } }, '/penalty/provision'],
    ['person fined but not named', { kind: 'penalty_decision', penalty: { provision: 'csl_2016_art59', tier: 'refusal_or_harm', kind: 'fine', conduct_date: '2025-06-01', unit_amount: 50_000, person_amount: 5_000 } }, '/penalty/person_name'],
    ['withdrawal without reference', { kind: 'withdrawal', reasons: 'x' }, '/references'],
    ['restoration without reasons', { kind: 'restoration', references: { notice_id: 'N-1', version: 1 } }, '/reasons'],
  ];
  for (const [name, patch, field] of refused) {
    test(`refuses: ${name}`, () => {
      assert.throws(
        () => buildNoticeDocument({ ...base, ...patch }),
        (e: unknown) => e instanceof Problem && e.code === 'validation_failed' && e.field === field,
      );
    });
  }
});

describe('canonical JSON (RFC 8785)', () => {
  test('sorts keys and serializes numbers as ECMAScript does', () => {
    assert.equal(canonicalize({ b: [1e21, 0.1, -0], a: { d: 'é', c: null } }), '{"a":{"c":null,"d":"é"},"b":[1e+21,0.1,0]}');
  });
  test('key order does not change the canonical form', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        assert.equal(canonicalize(obj), canonicalize(reversed));
      }),
    );
  });
});

describe('signing and verification', () => {
  const doc = buildNoticeDocument(base);
  const signed = signDocument(doc, key);

  test('the signature is Ed25519 over the canonical JSON, verifiable without this module', () => {
    assert.equal(signed.signature.alg, 'Ed25519');
    assert.equal(signed.signature.key_id, key.key_id);
    assert.ok(verify(null, Buffer.from(canonicalize(doc), 'utf8'), key.publicKey, Buffer.from(signed.signature.value, 'base64url')));
  });
  test('verifies with the published key', () => {
    assert.deepEqual(verifySignedDocument(signed, published), { valid: true, key_id: key.key_id });
  });
  test('survives a JSON round trip with reordered keys', () => {
    const json = JSON.parse(JSON.stringify({ signature: signed.signature, document: Object.fromEntries(Object.entries(doc).reverse()) }));
    assert.equal(verifySignedDocument(json, published).valid, true);
  });

  test('property: changing any field of the document breaks the signature', () => {
    const fields = Object.keys(doc) as (keyof typeof doc)[];
    fc.assert(
      fc.property(fc.constantFrom(...fields.filter((f) => f !== 'issued_at')), fc.string({ minLength: 1 }), (field, junk) => {
        const tampered = { ...signed, document: { ...doc, [field]: junk } };
        const r = verifySignedDocument(tampered, published);
        assert.deepEqual(r.valid ? 'valid' : r.reason, 'bad_signature');
      }),
    );
  });
  test('tampering a target or the deadline is detected', () => {
    for (const d of [
      { ...doc, targets: [{ type: 'ipv4', value: '203.0.113.10' }] },
      { ...doc, deadline: '2026-01-09T04:00:00.000Z' },
    ]) {
      const r = verifySignedDocument({ ...signed, document: d }, published);
      assert.equal(r.valid ? 'valid' : r.reason, 'bad_signature');
    }
  });

  const failures: [string, unknown, PublicKeyRecord[], string][] = [
    ['not an object', 'hello', published, 'malformed'],
    ['no signature', { document: doc }, published, 'malformed'],
    ['another algorithm', { ...signed, signature: { ...signed.signature, alg: 'RS256' } }, published, 'unsupported_algorithm'],
    ['bad base64url', { ...signed, signature: { ...signed.signature, value: 'a+b/c=' } }, published, 'malformed'],
    ['truncated signature', { ...signed, signature: { ...signed.signature, value: signed.signature.value.slice(0, 40) } }, published, 'bad_signature'],
    ['unknown key id', { ...signed, signature: { ...signed.signature, key_id: 'ts-old' } }, published, 'unknown_key'],
    ['no issued_at', { ...signed, document: { ...doc, issued_at: 'soon' } }, published, 'malformed'],
    ['key not yet valid', signed, [{ ...published[0], valid_from: '2026-02-01T00:00:00Z' }], 'key_not_valid_at_issue_time'],
    ['key retired before issue', signed, [{ ...published[0], valid_until: '2026-01-05T02:00:00.000Z' }], 'key_not_valid_at_issue_time'],
    ['unreadable published key', signed, [{ ...published[0], public_key_pem: 'garbage' }], 'malformed'],
  ];
  for (const [name, input, keys, reason] of failures) {
    test(`refuses: ${name}`, () => {
      const r = verifySignedDocument(input, keys);
      assert.equal(r.valid, false);
      if (!r.valid) {
        assert.equal(r.reason, reason);
        assert.ok(r.message.length > 0);
      }
    });
  }

  test('key rotation: an old notice verifies under the retired key, a new one under the current key', () => {
    const next = generateSigningKey(new Date('2026-03-01T00:00:00Z'));
    const keys: PublicKeyRecord[] = [
      { ...published[0], valid_until: '2026-03-01T00:00:00Z' },
      { key_id: next.key_id, public_key_pem: next.public_key_pem, valid_from: '2026-03-01T00:00:00Z', valid_until: null },
    ];
    assert.equal(verifySignedDocument(signed, keys).valid, true);
    const later = signDocument(buildNoticeDocument({ ...base, issued_at: new Date('2026-03-02T00:00:00Z'), deadline: new Date('2026-03-02T02:00:00Z'), phone_notified_at: null }), next);
    assert.equal(verifySignedDocument(later, keys).valid, true);
    // the retired key cannot sign a notice dated after its retirement
    const forged = signDocument(later.document, key);
    const r = verifySignedDocument(forged, keys);
    assert.equal(r.valid ? 'valid' : r.reason, 'key_not_valid_at_issue_time');
  });

  test('a non-Ed25519 key is refused for signing and for verification', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => signDocument(doc, { key_id: 'k', privateKey: ec.privateKey }), /Ed25519/);
    const r = verifySignedDocument(signed, [{ ...published[0], public_key_pem: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() }]);
    assert.equal(r.valid ? 'valid' : r.reason, 'unsupported_algorithm');
  });
});

describe('keys and fingerprints', () => {
  test('fingerprint is SHA-256 of the SPKI DER in colon hex, the same from PEM, public or private key', () => {
    const der = key.publicKey.export({ type: 'spki', format: 'der' });
    const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
    const expected = `SHA256:${hex.match(/../g)!.join(':')}`;
    assert.equal(keyFingerprint(key.publicKey), expected);
    assert.equal(keyFingerprint(key.public_key_pem), expected);
    assert.equal(keyFingerprint(key.privateKey), expected);
    assert.equal(key.fingerprint, expected);
  });
  test('key id carries the date and the fingerprint prefix', () => {
    assert.match(key.key_id, /^ts-20260101-[0-9a-f]{8}$/);
    assert.equal(key.key_id.slice(-8), key.fingerprint.slice(7, 18).replace(/:/g, '').slice(0, 8).toLowerCase());
  });
  test('document digest and signature fingerprint', () => {
    const doc = buildNoticeDocument(base);
    assert.equal(documentDigest(doc), createHash('sha256').update(canonicalize(doc)).digest('hex'));
    assert.match(signatureFingerprint(signDocument(doc, key)), /^([0-9A-F]{2}:){7}[0-9A-F]{2}$/);
  });
});

describe('renderNoticeHtml', () => {
  const evil = buildNoticeDocument({
    ...base,
    recipient: { org_id: 'x', name: '<script>alert(1)</script> & Co' },
    targets: [{ type: 'ipv4', value: '203.0.113.9' }],
  });
  const signed = signDocument(evil, key);

  for (const lang of ['zh', 'en'] as const) {
    test(`${lang}: shows every field, the fingerprints and how to verify`, () => {
      const html = renderNoticeHtml(signed, lang, { key_fingerprint: key.fingerprint, public_keys_url: 'http://127.0.0.1:8080/api/v1/keys' });
      assert.ok(html.startsWith('<!DOCTYPE html>'));
      for (const s of [
        evil.notice_id,
        '203.0.113.9',
        '2026-01-05 12:00:00', // deadline in Beijing time
        '2026-01-05 09:30:00', // phone call
        key.key_id,
        key.fingerprint,
        signatureFingerprint(signed),
        documentDigest(evil),
        signed.signature.value,
        '@page { size: A4',
        'threatshare notice verify',
        lang === 'zh' ? '网络安全威胁处置通知' : 'Cyber security threat handling notice',
        lang === 'zh' ? '《办法》第八条' : 'the Measures, Art. 8',
        lang === 'zh' ? '广东省通信管理局' : '广东省通信管理局',
      ])
        assert.ok(html.includes(s), `missing ${s}`);
      assert.ok(!/<link|<img|src=|@import/.test(html), 'self-contained');
    });
  }

  test('escapes every string: no markup from the document reaches the page', () => {
    const html = renderNoticeHtml(signed, 'en');
    assert.ok(!html.includes('<script>alert(1)</script>'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co'));
    // exactly one script element: the embedded JSON
    assert.equal(html.match(/<script/g)!.length, 1);
  });

  test('the saved page can be verified: the embedded JSON is the signed notice', () => {
    const html = renderNoticeHtml(signed, 'zh');
    const extracted = extractSignedNoticeFromHtml(html);
    assert.deepEqual(extracted, JSON.parse(JSON.stringify(signed)));
    assert.equal(verifySignedDocument(extracted, published).valid, true);
    assert.equal(extractSignedNoticeFromHtml('<html></html>'), null);
  });

  test('the visible page is checked against its signed document: an edited deadline, recipient or target fails', () => {
    for (const lang of ['zh', 'en'] as const) {
      const html = renderNoticeHtml(signed, lang, { key_fingerprint: 'SHA256:ab:cd', public_keys_url: 'https://platform.example/.well-known/threatshare-keys.json?a=1&b=2' });
      const extracted = extractSignedNoticeFromHtml(html) as typeof signed;
      assert.deepEqual(checkNoticeHtml(html, extracted), { matches: true });
      assert.deepEqual(checkNoticeHtml(renderNoticeHtml(signed, lang), extracted), { matches: true });
      const name = signed.document.recipient.name;
      const edited = [
        html.replace(escapeHtml(name), 'Someone else'),
        html.replace(/<strong>[^<]*<\/strong>/, '<strong>2099-01-01 00:00</strong>'),
        html.replace('</tbody></table>\n<h2>', '<tr><td>9</td><td>ipv4</td><td>203.0.113.9</td></tr></tbody></table>\n<h2>'),
      ];
      for (const e of edited) {
        assert.notEqual(e, html, 'the edit applied');
        const r = checkNoticeHtml(e, extractSignedNoticeFromHtml(e) as typeof signed);
        assert.equal(r.matches, false);
      }
    }
  });

  test('renders a penalty decision with amounts', () => {
    const p = signDocument(
      buildNoticeDocument({
        ...base,
        kind: 'penalty_decision',
        measure: null,
        targets: [],
        deadline: null,
        emergency: false,
        phone_notified_at: null,
        penalty: { provision: 'csl_2025_art61', tier: 'serious_harm', kind: 'fine', conduct_date: '2026-03-01', unit_amount: 800_000, person_amount: 60_000, person_name: '李四' },
      }),
      key,
    );
    const html = renderNoticeHtml(p, 'zh');
    for (const s of ['行政处罚决定书', '《网络安全法》第六十一条', '造成严重危害网络安全后果', '¥800,000', '¥60,000', '李四', '2026-03-01']) assert.ok(html.includes(s), s);
  });

  test('escapeHtml', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
