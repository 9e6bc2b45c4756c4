'use server';

import { z } from 'zod';
import { recordAudit } from '../audit/mutations.ts';
import { guardedAction } from '../auth/guard.ts';
import { loadWriteRefusal } from '../ha/write-refusal.ts';
import { getFailoverPeer } from './data.ts';
import { failoverRuntime } from './hook.ts';

const MODE_WORDS = { STANDBY: 'on standby', FROZEN: 'frozen' } as const;

// System Settings → High Availability → "Make the peer active": the planned switchover (the reference's
// "define the secondary as the primary"), the same as `sudo cyberx-management-ha-promote`. The worker stops
// writes, drains the journal to the peer, hands it the active role at term + 1 and swaps the configured roles.
//
// guardedAction, not guardedWrite: the refusal of a console that is not active is checked here just the
// same, but a switchover ends with this console's write lease gone on purpose, so guardedWrite's check
// after the action (and its wait for the peer's commit) would report a switchover that worked as a failure.
export const switchover = guardedAction('ADMIN', z.object({}).strict(), async (_input, user) => {
  // Only the active console can hand the role over; anywhere else, the refusal every change gets, naming
  // the active console.
  const refusal = await loadWriteRefusal();
  if (refusal) return refusal;
  const runtime = failoverRuntime();
  if (!runtime)
    return {
      ok: false as const,
      code: 'NOT_PAIRED',
      message: 'This console is not part of an applied pair, so there is no other console to make active. Nothing was changed.',
    };
  const status = runtime.status();
  if (status.mode !== 'ACTIVE')
    return {
      ok: false as const,
      code: 'NOT_ACTIVE',
      message: `This console is ${MODE_WORDS[status.mode]}, not the active console: only the active console can hand over its role. Nothing was changed.`,
    };
  if (status.handover) return { ok: false as const, code: 'SWITCHOVER_RUNNING', message: 'A switchover to the peer is already under way.' };
  if (!status.peer?.reachable)
    return {
      ok: false as const,
      code: 'PEER_UNREACHABLE',
      message: 'The peer does not answer, so it cannot take over. Nothing was changed; try again when it is reachable.',
    };
  const peer = await getFailoverPeer();
  // Recorded before the handover: once it is done this console is no longer active and writes nothing of
  // its own. The worker records the role change itself (ha.switchover) on both consoles.
  await recordAudit({
    actor: user.username,
    ip: user.ip,
    action: 'ha.switchover-request',
    outcome: 'success',
    target: peer?.domain,
    details: { term: status.term },
  });
  const result = await runtime.promote();
  if (!result.ok) return { ok: false as const, code: 'SWITCHOVER_FAILED', message: result.message };
  return { ok: true as const, term: result.term, peer: peer?.domain ?? null };
});
