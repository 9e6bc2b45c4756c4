import { describe, expect, it } from 'vitest';
import { Gate } from './client.ts';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};
const tick = () => new Promise((r) => setImmediate(r));

describe('the request gate', () => {
  it('keeps at most its limit in flight and lets heartbeats past queued uploads', async () => {
    const gate = new Gate(4);
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const releases: (() => void)[] = [];
    const job = (label: string, priority: 'heartbeat' | 'upload') =>
      gate.run(async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        order.push(label);
        const d = deferred();
        releases.push(d.resolve);
        await d.promise;
        inFlight--;
      }, priority);

    const all = [job('u1', 'upload'), job('u2', 'upload'), job('u3', 'upload'), job('u4', 'upload'), job('u5', 'upload')];
    await tick();
    // Uploads may use three of the four connections: one is always left for a heartbeat.
    expect(order).toEqual(['u1', 'u2', 'u3']);
    all.push(job('h1', 'heartbeat'), job('h2', 'heartbeat'));
    await tick();
    expect(order).toEqual(['u1', 'u2', 'u3', 'h1']);
    releases.shift()!();
    await tick();
    // A freed connection goes to the waiting heartbeat before the waiting uploads.
    expect(order).toEqual(['u1', 'u2', 'u3', 'h1', 'h2']);
    while (releases.length) {
      releases.shift()!();
      await tick();
    }
    await Promise.all(all);
    expect(order.slice(5).sort()).toEqual(['u4', 'u5']);
    expect(maxInFlight).toBe(4);
  });

  it('keeps a share for uploads when heartbeats alone would fill every connection', async () => {
    const gate = new Gate(4);
    const started: string[] = [];
    const hold = deferred();
    const job = (label: string, priority: 'heartbeat' | 'upload') =>
      gate.run(async () => {
        started.push(label);
        await hold.promise;
      }, priority);
    const all = Array.from({ length: 10 }, (_, i) => job(`h${i}`, 'heartbeat'));
    all.push(job('u0', 'upload'));
    await tick();
    expect(started).toEqual(['h0', 'h1', 'h2', 'u0']);
    hold.resolve();
    await Promise.all(all);
    expect(started).toHaveLength(11);
  });

  it('gives up waiting after maxWaitMs without running the work, and leaves the queue as it was', async () => {
    const gate = new Gate(1);
    const hold = deferred();
    const holder = gate.run(() => hold.promise);
    let ran = false;
    const gaveUp = await gate.runWithin(30, async () => {
      ran = true;
    });
    expect(gaveUp).toEqual({ started: false });
    expect(ran).toBe(false);
    // One still waiting when the slot frees gets it, and learns how long it waited.
    const waiting = gate.runWithin(5000, async (waitedMs) => waitedMs);
    await new Promise((r) => setTimeout(r, 20));
    hold.resolve();
    await holder;
    const got = await waiting;
    expect(got.started).toBe(true);
    expect(got.started && got.value).toBeGreaterThanOrEqual(15);
    // Nothing left behind: the slot is free again at once.
    expect(await gate.runWithin(0, async () => 'free')).toEqual({ started: true, value: 'free' });
  });

  it('frees the slot when the work fails', async () => {
    const gate = new Gate(1);
    await expect(gate.run(async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
