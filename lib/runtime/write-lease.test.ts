import { afterEach, describe, expect, it } from 'vitest';
import { awaitWriteLease, setWriteLeaseGate, writeLease, type LeaseCheck } from './write-lease.ts';

// A gate that answers from a script, one check after another (the last answer repeats).
function scripted(answers: LeaseCheck[]) {
  let calls = 0;
  setWriteLeaseGate({
    check: () => answers[Math.min(calls++, answers.length - 1)]!,
    stillHeld: () => true,
  });
  return { calls: () => calls };
}

const held: LeaseCheck = { ok: true, token: { term: 3, until: 1e12 } };
const lapsed: LeaseCheck = { ok: false, message: 'no lease', transient: true };
const frozen: LeaseCheck = { ok: false, message: 'frozen', transient: false };

afterEach(() => setWriteLeaseGate(null));

describe('the write-lease gate', () => {
  it('lets every write through when there is no gate (unpaired, or a command-line process)', async () => {
    expect(writeLease()).toEqual({ ok: true, token: null });
    expect(await awaitWriteLease()).toEqual({ ok: true, token: null });
  });

  it('waits for a lease that lapsed a moment ago and comes back', async () => {
    const gate = scripted([lapsed, lapsed, lapsed, held]);
    expect(await awaitWriteLease(5_000)).toEqual(held);
    expect(gate.calls()).toBe(4);
  });

  it('does not wait when the refusal is not one a lease would lift (standby, frozen, handing over)', async () => {
    const gate = scripted([frozen, held]);
    expect(await awaitWriteLease(5_000)).toEqual(frozen);
    expect(gate.calls()).toBe(1);
  });

  it('gives up after the wait with the refusal, checked once more at its end', async () => {
    const gate = scripted([lapsed]);
    expect(await awaitWriteLease(120)).toEqual(lapsed);
    // Checked at the start, then every 50 ms until the wait ran out: more than once, and a last time.
    expect(gate.calls()).toBeGreaterThan(1);
  });
});
