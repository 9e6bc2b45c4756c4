// Test helper for outbox.test.ts: appends events to the outbox in <dir> until killed, printing each
// event's JSON line once `append` has resolved (that is, once the event counts as produced).
import { Outbox } from '../outbox.ts';
import { createTraffic } from '../traffic.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: append-forever.ts <dir>');
const outbox = await Outbox.open(dir, { segmentMaxBytes: 4096 });
const traffic = createTraffic(`append-forever-${outbox.lastSeq}`);
for (;;) {
  // Bursts of concurrent appends exercise group commits and segment rolls.
  const burst = 1 + Math.floor(Math.random() * 8);
  const done = await Promise.all(Array.from({ length: burst }, () => outbox.append(traffic.next(Date.now()))));
  process.stdout.write(done.map((e) => `${JSON.stringify(e)}\n`).join(''));
}
