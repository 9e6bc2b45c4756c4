import type { Timers } from './timing.ts';

// One sensor's vote at this console (pure). `since`: arrival of the heartbeat that began the current unbroken
// run; `last`: the issue time of the newest stamp the sensor echoed back in this run (null until it echoed
// one); `issued`: the time of the newest stamp we handed it. All in this console's monotonic ms.
export type Vote = { since: number; last: number | null; issued: number | null };

// A heartbeat arrived, echoing the stamp issued at `echoAt` (null: no stamp, or one we did not issue). Only
// an echo of the very stamp we issued last continues the run: anything else means the sensor may have been
// elsewhere in between (it drops a console's stamp when it leaves it), so the run starts again. The caller
// then sets `issued` to the time of the stamp it hands out with the answer.
export function nextVote(prev: Vote | null | undefined, beat: { echoAt: number | null; arrival: number }): Vote {
  if (prev && beat.echoAt !== null && prev.issued !== null && beat.echoAt === prev.issued) {
    return { since: prev.since, last: beat.echoAt, issued: prev.issued };
  }
  return { since: beat.arrival, last: null, issued: prev?.issued ?? null };
}

// Counted from a time we issued ourselves, not from arrival: a heartbeat held up in the network arrives late
// but its stamp still tells when the sensor was last known to be with us.
export function isFresh(vote: Vote, now: number, timers: Pick<Timers, 'VOTE_FRESH_MS'>): boolean {
  return vote.last !== null && now < vote.last + timers.VOTE_FRESH_MS;
}

// Heard from within W: the sensor heartbeated here (we issued it a stamp), whether or not it has echoed one
// yet. A sensor's first heartbeat at a console is present before it is a vote.
export function isPresent(vote: Vote, now: number, timers: Pick<Timers, 'VOTE_FRESH_MS'>): boolean {
  return vote.issued !== null && now < vote.issued + timers.VOTE_FRESH_MS;
}

// Fresh, and unbroken for C: such a sensor cannot be confirmed at the other console at the same instant
// (timing.ts explains the inequality on C).
export function isConfirmed(vote: Vote, now: number, timers: Pick<Timers, 'VOTE_FRESH_MS' | 'CONFIRM_MS'>): boolean {
  return isFresh(vote, now, timers) && now - vote.since >= timers.CONFIRM_MS;
}
