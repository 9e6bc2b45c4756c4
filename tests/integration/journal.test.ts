import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../lib/db/client.ts';
import { pruneJournal } from '../../lib/replication/mutations.ts';
import { setSetting } from '../../lib/settings/mutations.ts';
import { createApplianceDatabase, type ApplianceDb } from '../support/appliance-db.ts';
import { waitFor } from '../support/wait-for.ts';

// The journal's two promises to replication: seq is commit order, and pruning keeps what a peer still needs.
let appliance: ApplianceDb;
beforeAll(async () => {
  appliance = await createApplianceDatabase();
});
afterAll(async () => appliance.close());

const seqs = async () => (await db().journal.findMany({ select: { seq: true }, orderBy: { seq: 'asc' } })).map((r) => r.seq);

describe('the journal', () => {
  it('hands out seq in commit order: a transaction that appended first and commits last holds back the next append', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The first write appends, then waits before committing; the second must not commit a higher seq first.
    const first = db().$transaction(async (tx) => {
      const { appendJournal } = await import('../../lib/journal/mutations.ts');
      const seq = await appendJournal(tx, { entity: 'setting', key: 'console.name', op: 'upsert', payload: { value: 'first' } });
      order.push(`first appended ${seq}`);
      await held;
      order.push('first commits');
      return seq;
    });
    while (order.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = setSetting('console.name', 'second', { username: 'tester' }).then((r) => {
      order.push('second committed');
      return r;
    });
    // The second waits for the first's append lock (PostgreSQL shows it waiting), not merely slower.
    await waitFor('the second append to wait for the lock', async () => {
      const [row] = await db().$queryRaw<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      return row!.n === 1;
    });
    expect(order).toEqual([expect.stringMatching(/^first appended \d+$/)]);
    release();
    const [firstSeq] = await Promise.all([first, second]);
    expect(order.slice(1)).toEqual(['first commits', 'second committed']);
    const after = (await seqs()).filter((s) => s > firstSeq);
    expect(after.length).toBeGreaterThan(0);
  });

  it('prunes only records older than the window that the peer has applied, or all old ones when unpaired', async () => {
    const all = await seqs();
    const mid = all[Math.floor(all.length / 2)]!;
    await db().$executeRaw`UPDATE "journal" SET created_at = now() - interval '2 days'`;
    // One recent record below the peer's position stays too: the window has not passed for it.
    const recent = all[0]!;
    await db().$executeRaw`UPDATE "journal" SET created_at = now() WHERE seq = ${recent}::bigint`;
    const olderThan = new Date(Date.now() - 24 * 3_600_000);

    const pruned = await pruneJournal({ keepAfter: mid, olderThan });
    expect(await seqs()).toEqual(all.filter((s) => s > mid || s === recent));
    expect(pruned).toBe(all.filter((s) => s <= mid && s !== recent).length);

    await pruneJournal({ keepAfter: null, olderThan });
    expect(await seqs()).toEqual([recent]);
  });
});
