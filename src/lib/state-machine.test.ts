import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defineStateMachine, transitionOrThrow } from './state-machine.js';
import { Problem } from './problem.js';

const door = defineStateMachine({
  states: ['closed', 'open', 'locked', 'broken'],
  transitions: [
    { from: 'closed', event: 'open', to: 'open' },
    { from: 'open', event: 'close', to: 'closed' },
    { from: 'closed', event: 'lock', to: 'locked' },
    { from: 'locked', event: 'unlock', to: 'closed' },
    { from: ['closed', 'open', 'locked'], event: 'smash', to: 'broken' },
  ],
});

describe('defineStateMachine', () => {
  test('follows the table', () => {
    assert.deepEqual(door.next('closed', 'open'), { ok: true, state: 'open' });
    assert.deepEqual(door.next('locked', 'smash'), { ok: true, state: 'broken' });
  });

  test('refuses an event and names the allowed ones in table order', () => {
    assert.deepEqual(door.next('locked', 'open'), { ok: false, allowed: ['unlock', 'smash'] });
    assert.deepEqual(door.next('broken', 'open'), { ok: false, allowed: [] });
  });

  test('lists events, flattened transitions and terminal states', () => {
    assert.deepEqual(door.events, ['open', 'close', 'lock', 'unlock', 'smash']);
    assert.equal(door.transitions.length, 7);
    assert.equal(door.isTerminal('broken'), true);
    assert.equal(door.isTerminal('open'), false);
  });

  test('guards unknown states and events at runtime', () => {
    assert.deepEqual(door.next('ajar' as never, 'open'), { ok: false, allowed: [] });
    assert.deepEqual(door.allowed('ajar' as never), []);
    assert.equal(door.isState('open'), true);
    assert.equal(door.isState('ajar'), false);
    assert.equal(door.isEvent('smash'), true);
    assert.equal(door.isEvent('kick'), false);
    assert.equal(door.isEvent(42), false);
  });

  test('rejects a malformed table at definition time', () => {
    assert.throws(() => defineStateMachine({ states: ['a', 'b'], transitions: [{ from: 'a', event: 'x', to: 'c' as 'b' }] }), /unknown target/);
    assert.throws(() => defineStateMachine({ states: ['a', 'b'], transitions: [{ from: 'z' as 'a', event: 'x', to: 'b' }] }), /unknown source/);
    assert.throws(
      () =>
        defineStateMachine({
          states: ['a', 'b'],
          transitions: [
            { from: 'a', event: 'x', to: 'b' },
            { from: ['b', 'a'], event: 'x', to: 'a' },
          ],
        }),
      /duplicate transition a --x-->/,
    );
    assert.throws(() => defineStateMachine({ states: ['a', 'a'], transitions: [] }), /duplicate state/);
  });

  test('allowed(s) is exactly the set of events for which next(s, e) succeeds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...door.states), fc.constantFrom(...door.events), (s, e) => {
        assert.equal(door.next(s, e).ok, door.allowed(s).includes(e));
      }),
    );
  });
});

describe('transitionOrThrow', () => {
  test('returns the next state', () => {
    assert.equal(transitionOrThrow(door, 'Door 1', 'open', 'close'), 'closed');
  });
  test('throws a 409 illegal_transition naming the allowed events', () => {
    try {
      transitionOrThrow(door, 'Door 1', 'locked', 'open');
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof Problem);
      assert.equal(err.code, 'illegal_transition');
      assert.equal(err.status, 409);
      assert.deepEqual(err.extra, { state: 'locked', event: 'open', allowed: ['unlock', 'smash'] });
      assert.match(err.message, /Door 1 is locked/);
    }
  });
});
