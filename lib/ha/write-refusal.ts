import { getWriteState } from './data.ts';

export type HaStateName = 'ACTIVE' | 'STANDBY' | 'FROZEN';
export type WriteStateAppliance = { configuredRole: 'STANDALONE' | 'PRIMARY' | 'SECONDARY'; state: HaStateName };
// The trusted host: the other console of the pair, with its own role and its HTTPS UI address.
export type WriteStatePeer = { role: 'PRIMARY' | 'SECONDARY'; domain: string; address: string; port: number };

export type WriteRefusal = {
  ok: false;
  code: 'READ_ONLY_CONSOLE';
  message: string;
  active: { domain: string; url: string } | null;
};

// The peer's System Settings as a browser opens it: the port only when it is not the HTTPS default.
export function consoleUrl(address: string, port: number): string {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return `https://${host}${port === 443 ? '' : `:${port}`}/`;
}

const refuse = (message: string, active: WriteRefusal['active']): WriteRefusal => ({
  ok: false,
  code: 'READ_ONLY_CONSOLE',
  message,
  active,
});

const STATE_WORDS: Record<Exclude<HaStateName, 'ACTIVE'>, string> = { STANDBY: 'on standby', FROZEN: 'frozen' };

// Only the active console of a pair takes changes from people; the other would fork the replicated data
// (docs/architecture.md, "Read-only when not active"). Null when this console may write.
export function writeRefusalFor(appliance: WriteStateAppliance, peer: WriteStatePeer | null): WriteRefusal | null {
  if (appliance.state === 'ACTIVE') return null;
  const words = STATE_WORDS[appliance.state];
  if (!peer)
    return refuse(
      `This console is ${words}, not the active console, so it is read-only. No other console of the pair is recorded here: make changes on the active console.`,
      null,
    );
  const url = consoleUrl(peer.address, peer.port);
  const active = { domain: peer.domain, url };
  if (appliance.state === 'FROZEN')
    return refuse(`This console is frozen: ${peer.domain} is the active console. Make changes there: ${url}.`, active);
  if (peer.role === 'PRIMARY')
    return refuse(
      `This console is the secondary of ${peer.domain}; it is read-only while the primary is active. Make changes on the primary: ${url}`,
      active,
    );
  // A primary on standby: it has not (yet) learned that it leads, so its secondary may be the one that does.
  return refuse(
    `This console is on standby and read-only until it is active again. Make changes on the active console; the other console of the pair is ${peer.domain}: ${url}`,
    active,
  );
}

export async function loadWriteRefusal(): Promise<WriteRefusal | null> {
  const { appliance, peer } = await getWriteState();
  return writeRefusalFor(appliance, peer);
}
