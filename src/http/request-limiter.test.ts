import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RequestLimiter } from './request-limiter.js';

describe('request limiter (fixed window per key, bounded memory)', () => {
  test('counts a key within its window and starts a new one when it ends', () => {
    let now = 1_000_000;
    const l = new RequestLimiter(60_000, 100, () => now);
    assert.equal(l.hit('a').count, 1);
    assert.equal(l.hit('a').count, 2);
    assert.equal(l.hit('b').count, 1);
    now += 30_000;
    const w = l.hit('a');
    assert.equal(w.count, 3);
    assert.equal(l.secondsLeft(w), 30);
    now += 30_000;
    assert.equal(l.hit('a').count, 1, 'the window ended at 60 s');
    assert.equal(l.secondsLeft(l.hit('a')), 60);
  });

  test('past its capacity it forgets the oldest window first, one key at a time', () => {
    let now = 0;
    const l = new RequestLimiter(60_000, 3, () => now);
    for (const k of ['a', 'b', 'c']) {
      l.hit(k);
      l.hit(k);
      now += 1;
    }
    l.hit('d');
    assert.equal(l.size, 3);
    assert.equal(l.hit('b').count, 3, 'b is still counted');
    assert.equal(l.hit('c').count, 3, 'c is still counted');
    assert.equal(l.hit('a').count, 1, 'a, the oldest window, was forgotten');
  });
});
