/**
 * A tiny, generic finite-state machine. Every workflow of the platform (threat case, handling
 * notice, enforcement case, appeal) is declared as a table of `{from, event, to}` rows and driven
 * through `next`, so the rules live in one literal table that tests can enumerate exhaustively.
 *
 * `next` never throws: a refused event comes back as `{ok: false, allowed}` naming the events the
 * current state accepts, which is what the HTTP layer puts in its 409 (see `illegalTransition` in
 * ./problem.js, and `transitionOrThrow` below for the one-liner services use).
 */
import { illegalTransition } from './problem.js';

export interface TransitionRow<S extends string, E extends string> {
  /** One state, or several states sharing the same event and target. */
  from: S | readonly S[];
  event: E;
  to: S;
}

export type TransitionResult<S extends string, E extends string> =
  | { ok: true; state: S }
  | { ok: false; allowed: E[] };

export interface StateMachine<S extends string, E extends string> {
  readonly states: readonly S[];
  /** Every event that appears in the table, in first-appearance order. */
  readonly events: readonly E[];
  /** The table flattened to one row per (from, event). */
  readonly transitions: readonly { from: S; event: E; to: S }[];
  next(state: S, event: E): TransitionResult<S, E>;
  /** The events `state` accepts, in table order; empty for a terminal state or an unknown one. */
  allowed(state: S): E[];
  /** True when no event leaves `state`. */
  isTerminal(state: S): boolean;
  isState(value: unknown): value is S;
  isEvent(value: unknown): value is E;
}

/**
 * Builds a machine from its table. The table is checked once, here: every `from`/`to` must be a
 * declared state and no (from, event) pair may appear twice, so a typo fails at import time
 * rather than as a surprising 409 in production.
 */
export function defineStateMachine<const S extends string, const E extends string>(definition: {
  states: readonly S[];
  transitions: readonly TransitionRow<S, E>[];
}): StateMachine<S, E> {
  const states = [...definition.states];
  const stateSet = new Set<string>(states);
  if (stateSet.size !== states.length) throw new Error('state machine: duplicate state');
  const table = new Map<string, Map<string, S>>();
  const events: E[] = [];
  const flat: { from: S; event: E; to: S }[] = [];
  for (const s of states) table.set(s, new Map());
  for (const row of definition.transitions) {
    const froms: readonly S[] = typeof row.from === 'string' ? [row.from as S] : (row.from as readonly S[]);
    if (!stateSet.has(row.to)) throw new Error(`state machine: unknown target state "${row.to}"`);
    if (!events.includes(row.event)) events.push(row.event);
    for (const from of froms) {
      const out = table.get(from);
      if (!out) throw new Error(`state machine: unknown source state "${from}"`);
      if (out.has(row.event)) throw new Error(`state machine: duplicate transition ${from} --${row.event}-->`);
      out.set(row.event, row.to);
      flat.push({ from, event: row.event, to: row.to });
    }
  }
  const eventSet = new Set<string>(events);

  function allowed(state: S): E[] {
    const out = table.get(state);
    return out ? ([...out.keys()] as E[]) : [];
  }

  return {
    states,
    events,
    transitions: flat,
    next(state, event) {
      const to = table.get(state)?.get(event);
      return to === undefined ? { ok: false, allowed: allowed(state) } : { ok: true, state: to };
    },
    allowed,
    isTerminal: (state) => allowed(state).length === 0,
    isState: (value): value is S => typeof value === 'string' && stateSet.has(value),
    isEvent: (value): value is E => typeof value === 'string' && eventSet.has(value),
  };
}

/**
 * The service-side one-liner: the next state, or throw the `illegal_transition` problem (409)
 * naming the allowed events. `what` names the thing in the message ("Notice 42").
 */
export function transitionOrThrow<S extends string, E extends string>(
  machine: StateMachine<S, E>,
  what: string,
  state: S,
  event: E,
): S {
  const result = machine.next(state, event);
  if (result.ok) return result.state;
  throw illegalTransition(what, state, event, result.allowed);
}
