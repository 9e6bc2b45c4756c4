// This console's monotonic clock in whole milliseconds: leases, votes, stamps and promises are measured with
// it, never with Date.now(), which an NTP step or an operator can move. It keeps counting across a restart of
// the process (CLOCK_MONOTONIC), not across a reboot.
export function monoNow(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}
