import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../lib/db/client.ts';
import { setFailoverRuntime, type FailoverStatus } from '../../lib/failover/hook.ts';
import { loadFailoverView, loadPrimaryRestoredNotice } from '../../lib/failover/loaders.ts';
import { TIMELINE_LIMIT } from '../../lib/failover/timeline.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

// The failover loaders against a real database: the timeline is read from this console's own audit
// events and from those replicated from its peer (origin = the peer's appliance id).

const PEER_ID = '0b6c1f2e-3d4a-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER_ID = '9f8e7d6c-5b4a-4321-8fed-cba987654321';
const PEER = { domain: 'otc-primary.plant.test', address: '127.0.0.82', port: 8443 };

let appliance: ApplianceDb;
let nextOriginId = 1n;
const at = (second: number) => new Date(Date.UTC(2026, 11, 2, 8, 0, second));

async function audit(action: string, second: number, details: object, origin: string | null = null) {
  await db().auditEvent.create({
    data: { actor: 'system', action, outcome: 'success', details, at: at(second), origin, originId: origin ? nextOriginId++ : null },
  });
}

// A standby secondary whose primary is active and answering: what the worker reports after a restore.
const afterRestore: FailoverStatus = {
  role: 'SECONDARY',
  mode: 'STANDBY',
  term: 6,
  termKnown: true,
  lease: { held: false, remainingMs: null, by: null },
  votes: { self: 0, peer: 2, registered: 2, confirmed: 0 },
  peer: { term: 6, mode: 'ACTIVE', reachable: true },
  handover: null,
  history: [{ at: at(10).getTime(), self: 0, peer: 2 }],
};
const runWorker = (status: FailoverStatus) =>
  setFailoverRuntime({ status: () => status, promote: async () => ({ ok: false, message: 'not in this test' }), stop: async () => {} });

beforeAll(async () => {
  appliance = await createApplianceDatabase();
  await db().trustedHost.create({
    data: { ...PEER, role: 'PRIMARY', applianceId: PEER_ID, certificatePem: 'pinned', fingerprint: 'AB'.repeat(32), status: 'PAIRED' },
  });
  await audit('ha.takeover', 1, {
    from: 'STANDBY',
    to: 'ACTIVE',
    term: 5,
    reason: '2 of 2 sensors confirmed',
    fresh: 2,
    confirmed: 2,
    registered: 2,
  });
  await audit('ha.step-down', 1, { from: 'ACTIVE', to: 'FROZEN', term: 5, reason: 'term 5 seen from a sensor' }, PEER_ID);
  await audit('setting.change', 2, { key: 'console.name' });
  await audit('ha.peer-unreachable', 3, {});
  await audit('ha.restore', 4, { from: 'FROZEN', to: 'ACTIVE', term: 6, reason: '2 of 2 sensors confirmed' }, PEER_ID);
  await audit('ha.step-down', 4, { from: 'ACTIVE', to: 'STANDBY', term: 6, reason: 'term 6 seen from the peer' });
});
afterEach(() => setFailoverRuntime(null));
afterAll(async () => appliance.close());

describe('the failover view', () => {
  it('without a failover worker has no status, and still the role changes of both consoles, newest first', async () => {
    const view = await loadFailoverView();
    expect(view.status).toBeNull();
    expect(view.peer).toEqual({ domain: PEER.domain, url: 'https://127.0.0.82:8443/' });
    expect(view.timeline.map((e) => [e.at.slice(17, 19), e.consoleName, e.action, e.from, e.to, e.term])).toEqual([
      ['04', 'This console', 'ha.step-down', 'ACTIVE', 'STANDBY', '6'],
      ['04', PEER.domain, 'ha.restore', 'FROZEN', 'ACTIVE', '6'],
      ['01', PEER.domain, 'ha.step-down', 'ACTIVE', 'FROZEN', '5'],
      ['01', 'This console', 'ha.takeover', 'STANDBY', 'ACTIVE', '5'],
    ]);
    expect(view.timeline[3]).toMatchObject({ console: 'self', reason: '2 of 2 sensors confirmed', fresh: 2, confirmed: 2, registered: 2 });
    expect(view.timeline[2]).toMatchObject({ console: 'peer', reason: 'term 5 seen from a sensor', fresh: null });
  });

  it('with a worker, carries its status as it is', async () => {
    runWorker(afterRestore);
    expect((await loadFailoverView()).status).toEqual(afterRestore);
  });

  it(`keeps the newest ${TIMELINE_LIMIT} role changes`, async () => {
    for (let i = 0; i < TIMELINE_LIMIT; i++) await audit('ha.term-learned', 10 + i, { term: 6, reason: 'from the peer' }, OTHER_ID);
    const { timeline } = await loadFailoverView();
    expect(timeline).toHaveLength(TIMELINE_LIMIT);
    expect(timeline.every((e) => e.action === 'ha.term-learned' && e.consoleName === `Console ${OTHER_ID}`)).toBe(true);
    expect(timeline[0]!.at).toBe(at(10 + TIMELINE_LIMIT - 1).toISOString());
    await db().auditEvent.deleteMany({ where: { origin: OTHER_ID } });
  });
});

describe('"The primary console has been restored"', () => {
  it('is not said without a failover worker', async () => {
    expect(await loadPrimaryRestoredNotice()).toBeNull();
  });

  it("is said on the secondary whose own latest role change is the restore's step-down, with the primary's address", async () => {
    runWorker(afterRestore);
    expect(await loadPrimaryRestoredNotice()).toEqual({ domain: PEER.domain, url: 'https://127.0.0.82:8443/' });
    // A later role change of the peer is not this console's own: the notice stays.
    await audit('ha.term-learned', 5, { term: 6 }, PEER_ID);
    expect(await loadPrimaryRestoredNotice()).toMatchObject({ domain: PEER.domain });
  });

  it('is not said once the primary does not answer, or after a later role change of this console', async () => {
    runWorker({ ...afterRestore, peer: { ...afterRestore.peer!, reachable: false } });
    expect(await loadPrimaryRestoredNotice()).toBeNull();
    runWorker(afterRestore);
    await audit('ha.term-learned', 6, { term: 6, reason: 'restarted' });
    expect(await loadPrimaryRestoredNotice()).toBeNull();
  });
});
