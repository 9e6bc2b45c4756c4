import { getServerSession } from 'next-auth';
import type { Role } from './roles.ts';
import { authOptions } from './options.ts';

export type ConsoleSession = { user: { id: string; name: string; role: Role }; lastActive: number };

// The single place the guard learns who is calling (tests substitute it to act as any role).
export async function currentSession(): Promise<ConsoleSession | null> {
  const session = (await getServerSession(authOptions)) as ConsoleSession | null;
  return session?.user?.id ? session : null;
}
