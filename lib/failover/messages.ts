// Why a change is refused by the write-lease gate, in words a person can act on.
export type GateRefusal = 'starting' | 'not-active' | 'handover' | 'no-lease';

const MESSAGES: Record<GateRefusal, string> = {
  starting: 'This console is starting and has not yet learned the state of its pair. Try again in a few seconds.',
  'not-active': 'This console is not the active console of its pair, so it is read-only. Make changes on the active console.',
  handover:
    'This console is handing the active role to its peer; changes are paused for a few seconds. Make the change on the new active console.',
  'no-lease':
    'This console cannot confirm that it still leads the pair: fewer than half of the sensors reach it and its peer does not answer. Changes are refused until it can, usually within seconds; if this lasts, check the sensor network and the link to the peer on the High Availability page.',
};

export const gateMessage = (why: GateRefusal): string => MESSAGES[why];
