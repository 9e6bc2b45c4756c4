import { getServerSession } from 'next-auth';
import type { Role } from './roles.ts';
import { authOptions } from './options.ts';

// authTime: when the user signed in (never extended); sessionVersion: the account's session version at
// that moment (lib/auth/guard.ts compares it with the current one).
export type ConsoleSession = {
  user: { id: string; name: string; role: Role };
  lastActive: number;
  authTime: number;
  sessionVersion: number;
};

// The single place the guard learns who is calling (tests substitute it to act as any role).
export async function currentSession(): Promise<ConsoleSession | null> {
  const session = (await getServerSession(authOptions)) as ConsoleSession | null;
  return session?.user?.id ? session : null;
}
