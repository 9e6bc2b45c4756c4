// How long to wait before the next attempt after `failures` consecutive failures. The first few failures
// keep the normal rhythm (a console restart or one lost packet is not an outage); after that the delay
// doubles from `baseMs` up to `capMs`, with "full jitter" so that thousands of sensors that lost the same
// console do not come back in lockstep (AWS Architecture Blog, "Exponential Backoff And Jitter").
export type BackoffPolicy = { intervalMs: number; toleratedFailures: number; baseMs: number; capMs: number };

export const DEFAULT_BACKOFF: Omit<BackoffPolicy, 'intervalMs'> = { toleratedFailures: 3, baseMs: 500, capMs: 10_000 };

export function nextDelay(policy: BackoffPolicy, failures: number, random: () => number): number {
  if (failures < policy.toleratedFailures) return policy.intervalMs;
  const exponent = Math.min(failures - policy.toleratedFailures, 20);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  // Never faster than the normal rhythm, never slower than the cap.
  return Math.min(policy.capMs, Math.max(policy.intervalMs, Math.round(ceiling / 2 + (random() * ceiling) / 2)));
}
