import { describe, expect, it } from 'vitest';
import { consoleUrl, writeRefusalFor, type WriteStateAppliance, type WriteStatePeer } from './write-refusal.ts';

const primary: WriteStatePeer = { role: 'PRIMARY', domain: 'otc-primary.plant.local', address: '10.0.0.1', port: 8443 };
const secondary: WriteStatePeer = { role: 'SECONDARY', domain: 'otc-secondary.plant.local', address: '10.0.0.2', port: 443 };
const as = (configuredRole: WriteStateAppliance['configuredRole'], state: WriteStateAppliance['state']) => ({ configuredRole, state });

describe('writeRefusalFor', () => {
  it('lets an active console write, whatever its role and peer', () => {
    for (const role of ['STANDALONE', 'PRIMARY', 'SECONDARY'] as const)
      for (const peer of [null, primary, secondary]) expect(writeRefusalFor(as(role, 'ACTIVE'), peer), `${role} ${peer?.role}`).toBeNull();
  });

  it('sends a standby secondary’s users to its primary, by domain and URL', () => {
    expect(writeRefusalFor(as('SECONDARY', 'STANDBY'), primary)).toEqual({
      ok: false,
      code: 'READ_ONLY_CONSOLE',
      message:
        'This console is the secondary of otc-primary.plant.local; it is read-only while the primary is active. Make changes on the primary: https://10.0.0.1:8443/',
      active: { domain: 'otc-primary.plant.local', url: 'https://10.0.0.1:8443/' },
    });
  });

  it('sends a frozen primary’s users to the secondary that took over, leaving out the default port', () => {
    expect(writeRefusalFor(as('PRIMARY', 'FROZEN'), secondary)).toEqual({
      ok: false,
      code: 'READ_ONLY_CONSOLE',
      message: 'This console is frozen: otc-secondary.plant.local is the active console. Make changes there: https://10.0.0.2/.',
      active: { domain: 'otc-secondary.plant.local', url: 'https://10.0.0.2/' },
    });
  });

  it('does not call a standby primary’s peer its primary', () => {
    const refusal = writeRefusalFor(as('PRIMARY', 'STANDBY'), secondary);
    expect(refusal).toMatchObject({ code: 'READ_ONLY_CONSOLE', active: { domain: 'otc-secondary.plant.local', url: 'https://10.0.0.2/' } });
    expect(refusal!.message).toBe(
      'This console is on standby and read-only until it is active again. Make changes on the active console; the other console of the pair is otc-secondary.plant.local: https://10.0.0.2/',
    );
  });

  it('with no peer recorded, says the console is not active and links nowhere', () => {
    expect(writeRefusalFor(as('SECONDARY', 'STANDBY'), null)).toEqual({
      ok: false,
      code: 'READ_ONLY_CONSOLE',
      message:
        'This console is on standby, not the active console, so it is read-only. No other console of the pair is recorded here: make changes on the active console.',
      active: null,
    });
    const frozen = writeRefusalFor(as('PRIMARY', 'FROZEN'), null);
    expect(frozen).toMatchObject({ active: null, message: expect.stringMatching(/^This console is frozen, not the active console/) });
    expect(frozen!.message).not.toMatch(/https?:/);
  });
});

describe('consoleUrl', () => {
  it('writes the port only when it is not 443, and brackets an IPv6 address', () => {
    expect(consoleUrl('10.0.0.1', 443)).toBe('https://10.0.0.1/');
    expect(consoleUrl('10.0.0.1', 8443)).toBe('https://10.0.0.1:8443/');
    expect(consoleUrl('otc-a.plant.local', 444)).toBe('https://otc-a.plant.local:444/');
    expect(consoleUrl('fd00::2', 8443)).toBe('https://[fd00::2]:8443/');
    expect(consoleUrl('[fd00::2]', 443)).toBe('https://[fd00::2]/');
  });
});
