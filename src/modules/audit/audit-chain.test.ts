import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { findChainBreak, GENESIS_HASH, hashEntry, type AuditEntry } from './audit-chain.js';

function chain(n: number) {
  let prev = GENESIS_HASH;
  const out = [];
  for (let i = 1; i <= n; i++) {
    const e: AuditEntry = { seq: i, at: new Date(1_700_000_000_000 + i).toISOString(), actor_org_id: 'o', actor_user_id: null, actor_token_id: 't', action: 'x.done', object_type: 'x', object_id: String(i), province_code: null, data: { i } };
    const hash = hashEntry(prev, e);
    out.push({ ...e, prev_hash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('audit hash chain', () => {
  test('an untouched chain verifies', () => {
    assert.equal(findChainBreak(chain(20)).break, null);
  });

  test('changing any field of any entry is found at that entry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.constantFrom('action', 'object_id', 'data', 'at', 'actor_org_id'), (i, field) => {
        const c = chain(10);
        (c[i] as any)[field] = field === 'data' ? { i: -1 } : 'tampered';
        const b = findChainBreak(c).break;
        assert.equal(b?.seq, i + 1);
        assert.equal(b?.reason, 'hash_mismatch');
      }),
    );
  });

  test('removing or reordering entries is found', () => {
    const c = chain(5);
    assert.equal(findChainBreak([c[0], c[2], c[3]]).break?.reason, 'gap');
    const swapped = chain(3);
    assert.notEqual(findChainBreak([swapped[1], swapped[0], swapped[2]]).break, null);
  });

  test('a re-hashed forgery still breaks the link to the next entry', () => {
    const c = chain(4);
    const forged = { ...c[1], data: { i: 99 } };
    const { prev_hash, hash: _h, ...entry } = forged;
    forged.hash = hashEntry(prev_hash, entry);
    const b = findChainBreak([c[0], forged, c[2], c[3]]).break;
    assert.deepEqual(b, { seq: 3, reason: 'prev_mismatch' });
  });
});
