import { describe, expect, it } from 'vitest';
import { INGEST_SLOTS, takeIngestSlot } from './ingest-slots.ts';

describe('event ingest slots', () => {
  it('lets INGEST_SLOTS batches in at once, hands a freed slot to the longest waiter, and gives up on time', async () => {
    const held = await Promise.all(Array.from({ length: INGEST_SLOTS }, () => takeIngestSlot(1000)));
    expect(held.every((r) => typeof r === 'function')).toBe(true);

    // Full: one waiter gives up after its wait, without taking a slot later.
    const started = performance.now();
    expect(await takeIngestSlot(30)).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);

    const order: string[] = [];
    const first = takeIngestSlot(1000).then((r) => (order.push('first'), r));
    const second = takeIngestSlot(1000).then((r) => (order.push('second'), r));
    held[0]!();
    held[0]!(); // a second release of the same slot frees nothing more
    const gotFirst = await first;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['first']);
    held[1]!();
    const gotSecond = await second;
    expect(order).toEqual(['first', 'second']);

    // Everything back: exactly INGEST_SLOTS can be taken again, no more.
    for (const release of [gotFirst, gotSecond, ...held.slice(2)]) release!();
    const again = await Promise.all(Array.from({ length: INGEST_SLOTS }, () => takeIngestSlot(1000)));
    expect(await takeIngestSlot(10)).toBeNull();
    for (const release of again) release!();
  });
});
