import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../lib/db/client.ts';
import { persistHaState } from '../../lib/failover/mutations.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';

// What the failover worker stores is the truth a restarted console boots with: it never says ACTIVE in a
// term that was the peer's.
let appliance: ApplianceDb;
beforeAll(async () => {
  appliance = await createApplianceDatabase();
});
afterAll(async () => appliance.close());

const stored = async () =>
  db().appliance.findUniqueOrThrow({ where: { id: 1 }, select: { term: true, state: true, configuredRole: true } });
const setStored = (term: number, state: 'ACTIVE' | 'STANDBY' | 'FROZEN') =>
  db().$executeRaw`UPDATE "appliance" SET term = ${term}, state = ${state}::"HaState" WHERE id = 1`;

describe('persisting the HA state', () => {
  beforeEach(async () => setStored(4, 'STANDBY'));

  it('becomes ACTIVE in a term above the stored one', async () => {
    expect(await persistHaState({ term: 5, mode: 'ACTIVE', role: 'SECONDARY' })).toEqual({
      term: 5,
      mode: 'ACTIVE',
      role: 'SECONDARY',
      refused: false,
    });
    expect(await stored()).toEqual({ term: 5n, state: 'ACTIVE', configuredRole: 'SECONDARY' });
  });

  it.each([
    ['already stored (replication adopted the peer’s term)', 5],
    ['below the stored one', 6],
  ])('refuses ACTIVE in a term %s, storing the step-down instead', async (_what, storedTerm) => {
    await setStored(storedTerm, 'STANDBY');
    expect(await persistHaState({ term: 5, mode: 'ACTIVE', role: 'SECONDARY' })).toEqual({
      term: storedTerm,
      mode: 'STANDBY',
      role: 'SECONDARY',
      refused: true,
    });
    await setStored(storedTerm, 'STANDBY');
    expect(await persistHaState({ term: 5, mode: 'ACTIVE', role: 'PRIMARY' })).toMatchObject({ mode: 'FROZEN', refused: true });
    expect(await stored()).toMatchObject({ term: BigInt(storedTerm), state: 'FROZEN' });
  });

  it('stores ACTIVE again in the term it is already ACTIVE in (a repeated persist)', async () => {
    await setStored(5, 'ACTIVE');
    expect(await persistHaState({ term: 5, mode: 'ACTIVE', role: 'PRIMARY' })).toMatchObject({ term: 5, mode: 'ACTIVE', refused: false });
  });

  it('never lowers the term when stepping down', async () => {
    await setStored(7, 'STANDBY');
    expect(await persistHaState({ term: 5, mode: 'STANDBY', role: 'SECONDARY' })).toMatchObject({
      term: 7,
      mode: 'STANDBY',
      refused: false,
    });
  });
});
