import { db } from '../db/client.ts';

// Sign-in counters are this console's own state, not replicated: they change on every sign-in and a
// paired console keeps its own lockout.

export async function recordSignInSuccess(userId: string, at: Date): Promise<void> {
  await db().user.update({ where: { id: userId }, data: { failedAttempts: 0, lockedUntil: null, lastSignInAt: at } });
}

// Returns the lock expiry when this failure locked the account.
export async function recordSignInFailure(
  userId: string,
  at: Date,
  policy: { attempts: number; lockMinutes: number },
): Promise<Date | null> {
  return db().$transaction(async (tx) => {
    const user = await tx.user.update({
      where: { id: userId },
      data: { failedAttempts: { increment: 1 } },
      select: { failedAttempts: true },
    });
    if (user.failedAttempts < policy.attempts) return null;
    const lockedUntil = new Date(at.getTime() + policy.lockMinutes * 60_000);
    await tx.user.update({ where: { id: userId }, data: { failedAttempts: 0, lockedUntil } });
    return lockedUntil;
  });
}
