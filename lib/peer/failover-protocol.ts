import { z } from 'zod';
import { PEER_PROTOCOL_VERSION } from './protocol.ts';

// Failover messages on the mutual-TLS peer channel (docs/peer-protocol.md, "Failover"). Each console
// asks the other twice a second; the answer carries the answerer's term and state and, when the asker
// is active and asked for one, a promise not to take over for the promise time. The asker counts that
// promise from when it SENT the request, never from when the answer arrived (a stalled link delivers
// old answers late).

const uuid = z.uuid();
const term = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const mode = z.enum(['ACTIVE', 'STANDBY', 'FROZEN']);
const role = z.enum(['PRIMARY', 'SECONDARY']);

export const haStatusRequest = z
  .object({
    protocol: z.literal(PEER_PROTOCOL_VERSION),
    from: uuid,
    term,
    mode,
    role,
    termKnown: z.boolean(),
    // The asker is active and asks for the promise that would keep its lease without a majority of votes.
    wantPromise: z.boolean(),
    // Sensors voting for the asker (status for the other console's page).
    votes: z.number().int().nonnegative(),
  })
  .strict();
export type HaStatusRequest = z.infer<typeof haStatusRequest>;

export const haStatusResponse = z
  .object({
    term,
    mode,
    role,
    termKnown: z.boolean(),
    promised: z.boolean(),
    votes: z.number().int().nonnegative(),
  })
  .strict();
export type HaStatusResponse = z.infer<typeof haStatusResponse>;

// Planned switchover: the active console, writes stopped and its journal drained to `head`, asks its
// peer to take over at `newTerm`. The peer accepts only if it holds that journal up to `head`.
export const handoverRequest = z
  .object({
    protocol: z.literal(PEER_PROTOCOL_VERSION),
    from: uuid,
    term,
    newTerm: term,
    head: z.string().regex(/^\d{1,20}$/, 'A decimal integer.'),
  })
  .strict()
  .refine((r) => r.newTerm === r.term + 1, { message: 'newTerm must be term + 1.', path: ['newTerm'] });
export type HandoverRequest = z.infer<typeof handoverRequest>;

export const handoverResponse = z.object({ accepted: z.literal(true), term }).strict();
