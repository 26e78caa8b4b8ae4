/**
 * The threat case lifecycle (Articles 7 and 8 of the Measures) and the vocabulary of an
 * identification verdict.
 *
 *   open ──assign──▶ identifying ──confirm──▶ confirmed ──decide──▶ decided ──issue_notices──▶ handling ──close──▶ closed
 *    ▲                 │  ▲  │                  │   │                                          │ decide (supplementary)
 *    └────decline──────┘  │  └──request_more_info──▶ more_info_needed ──provide_info──┘        ▼
 *                         │                     │   └─return_to_identification (regulator's review, Art. 8)
 *                         └──────────reject (identifying | more_info_needed)──▶ rejected
 *
 * - `open`: reports that involve other parties opened (or joined) the case; waiting in the
 *   identification queue (Art. 7).
 * - `identifying`: assigned to a professional institution. `reassign` keeps the state (load
 *   balancing, a conflict of interest found late); `decline` puts it back in the queue.
 * - `more_info_needed`: the verdict "more information needed" went back to the reporter with
 *   questions; `provide_info` returns it to the same institution. The institution may still reject
 *   it for lack of information.
 * - `confirmed` / `rejected`: the verdict. A confirmed identification is reviewed by the regulator
 *   responsible for the case's province (Art. 8: "after review"), who either decides measures,
 *   decides that none are needed (`close_without_measures`, e.g. already handled by the unit
 *   itself under Art. 6) or sends it back for identification.
 * - `decided` → `handling` → `closed`: notices issued, then all of them reached an end (verified,
 *   withdrawn, or escalated to enforcement). A supplementary decision during handling (new
 *   targets) keeps the case in `handling`.
 *
 * Appeals (复核, Art. 10). An appeal does NOT move the case into a separate `under_review` state:
 * DESIGN.md §2 says measures stay in force during review, so handling must keep progressing while
 * an appeal is open, and a single-valued state cannot be both "handling" and "under review"
 * without remembering where to return. The appeal has its own machine (enforcement/appeal-state.ts)
 * and "has an open appeal" is a fact about the case, not a state. Only the two outcomes that change
 * the finding move the case: `review_changed` (the finding changed; back to `confirmed` for the
 * regulator to decide again; from `rejected` this is how a reporter's successful appeal turns a
 * rejection into a confirmed finding) and `review_withdrawn` (terminal `withdrawn`; its notices are
 * withdrawn and the units told to restore service). `upheld` changes nothing.
 */
import { defineStateMachine, type TransitionResult } from '../../lib/state-machine.js';

export const CASE_STATES = [
  'open',
  'identifying',
  'more_info_needed',
  'confirmed',
  'rejected',
  'decided',
  'handling',
  'closed',
  'withdrawn',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CASE_EVENTS = [
  'assign',
  'reassign',
  'decline',
  'request_more_info',
  'provide_info',
  'confirm',
  'reject',
  'return_to_identification',
  'decide',
  'close_without_measures',
  'issue_notices',
  'close',
  'review_changed',
  'review_withdrawn',
] as const;
export type CaseEvent = (typeof CASE_EVENTS)[number];

/** States in which an identification has been made that an appeal can be about. */
const FINDING_STATES = ['confirmed', 'decided', 'handling', 'closed'] as const;

export const caseMachine = defineStateMachine<CaseState, CaseEvent>({
  states: CASE_STATES,
  transitions: [
    { from: 'open', event: 'assign', to: 'identifying' },
    { from: 'identifying', event: 'reassign', to: 'identifying' },
    { from: 'identifying', event: 'decline', to: 'open' },
    { from: 'identifying', event: 'request_more_info', to: 'more_info_needed' },
    { from: 'more_info_needed', event: 'provide_info', to: 'identifying' },
    { from: 'identifying', event: 'confirm', to: 'confirmed' },
    { from: ['identifying', 'more_info_needed'], event: 'reject', to: 'rejected' },
    { from: 'confirmed', event: 'return_to_identification', to: 'identifying' },
    { from: 'confirmed', event: 'decide', to: 'decided' },
    { from: 'handling', event: 'decide', to: 'handling' },
    { from: 'confirmed', event: 'close_without_measures', to: 'closed' },
    { from: 'decided', event: 'issue_notices', to: 'handling' },
    { from: 'handling', event: 'close', to: 'closed' },
    { from: ['rejected', ...FINDING_STATES], event: 'review_changed', to: 'confirmed' },
    { from: FINDING_STATES, event: 'review_withdrawn', to: 'withdrawn' },
  ],
});

/** Next state of a threat case, or the events its state allows (for the 409). */
export function nextCaseState(state: CaseState, event: CaseEvent): TransitionResult<CaseState, CaseEvent> {
  return caseMachine.next(state, event);
}

export function allowedCaseEvents(state: CaseState): CaseEvent[] {
  return caseMachine.allowed(state);
}

/** The three verdicts of an identification (Art. 7). */
export const VERDICTS = ['confirmed', 'rejected', 'more_info_needed'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The case event a verdict fires. */
export function caseEventForVerdict(verdict: Verdict): CaseEvent {
  switch (verdict) {
    case 'confirmed':
      return 'confirm';
    case 'rejected':
      return 'reject';
    case 'more_info_needed':
      return 'request_more_info';
  }
}

/**
 * Severity scale: the four incident grades of MIIT's 2017 Emergency Response Plan for Public
 * Internet Cyber Security Incidents, with the warning colour used when the threat is published.
 * Ordered from most to least severe.
 */
export const SEVERITY_LEVELS = {
  particularly_major: { rank: 1, zh: '特别重大', en: 'Particularly major', warning_colour: 'red' },
  major: { rank: 2, zh: '重大', en: 'Major', warning_colour: 'orange' },
  relatively_major: { rank: 3, zh: '较大', en: 'Relatively major', warning_colour: 'yellow' },
  general: { rank: 4, zh: '一般', en: 'General', warning_colour: 'blue' },
} as const;
export type Severity = keyof typeof SEVERITY_LEVELS;
export const SEVERITY_CODES = Object.keys(SEVERITY_LEVELS) as Severity[];

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SEVERITY_LEVELS, value);
}

/**
 * A verdict is complete only with what Art. 7 asks the institution to give: a confirmed
 * identification carries severity, evidence or analysis, and at least one recommended measure;
 * "more information needed" carries the questions for the reporter; a rejection carries reasons.
 * Returns the first problem as `{field, message}` (JSON-pointer field) or null.
 */
export function checkVerdict(input: {
  verdict: Verdict;
  severity?: Severity | null;
  analysis?: string | null;
  evidence_ids?: readonly string[];
  recommended_measures?: readonly string[];
  questions?: readonly string[];
  reasons?: string | null;
}): { field: string; message: string } | null {
  const blank = (s: string | null | undefined) => !s || s.trim() === '';
  switch (input.verdict) {
    case 'confirmed':
      if (!input.severity || !isSeverity(input.severity))
        return { field: '/severity', message: 'a confirmed identification needs a severity' };
      if (blank(input.analysis) && !(input.evidence_ids && input.evidence_ids.length))
        return { field: '/analysis', message: 'a confirmed identification needs an analysis or evidence' };
      if (!input.recommended_measures || input.recommended_measures.length === 0)
        return { field: '/recommended_measures', message: 'a confirmed identification recommends at least one measure' };
      return null;
    case 'more_info_needed':
      if (!input.questions || input.questions.filter((q) => !blank(q)).length === 0)
        return { field: '/questions', message: 'asking for more information needs at least one question for the reporter' };
      return null;
    case 'rejected':
      if (blank(input.reasons)) return { field: '/reasons', message: 'a rejection needs reasons' };
      return null;
  }
}
