// PostgreSQL ends one transaction of a deadlock (40P01) or a serialization failure (40001) so that the
// others can go on; the one ended did nothing and may simply run again. Prisma reports the code inside
// its error (a raw query's message, or meta.code), so both are looked at.
const RETRYABLE = /\b(40P01|40001)\b|deadlock detected|could not serialize access/;

export function isRetryableConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = (error as { meta?: { code?: unknown } }).meta;
  return RETRYABLE.test(error.message) || (typeof meta?.code === 'string' && RETRYABLE.test(meta.code));
}

// Runs `work` (one whole transaction) again when PostgreSQL ended it for a conflict, up to `attempts`
// times in all, after a short pause that grows; any other error, or the last conflict, is thrown.
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
