/**
 * The life of a public release (发布, Art. 11): drafted by a regulator or a professional
 * institution, submitted for review, approved by a regulator, then published; or rejected back to
 * its author (who may revise and resubmit). A published release can be withdrawn by a regulator.
 */
import { defineStateMachine } from '../../lib/state-machine.js';

export const releaseMachine = defineStateMachine({
  states: ['draft', 'submitted', 'approved', 'published', 'rejected', 'withdrawn'],
  transitions: [
    { from: ['draft', 'rejected'], event: 'revise', to: 'draft' },
    { from: ['draft', 'rejected'], event: 'submit', to: 'submitted' },
    { from: 'submitted', event: 'approve', to: 'approved' },
    { from: 'submitted', event: 'reject', to: 'rejected' },
    { from: 'approved', event: 'publish', to: 'published' },
    { from: 'published', event: 'withdraw', to: 'withdrawn' },
  ],
});

export type ReleaseState = (typeof releaseMachine.states)[number];
export type ReleaseEvent = (typeof releaseMachine.events)[number];
