import type { NextAuthOptions } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { recordAudit } from '../audit/mutations.ts';
import { getLogger } from '../logs/logger.ts';
import type { Role } from './roles.ts';
import { authenticate } from './sign-in.ts';

const credentialsSchema = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) });

// server.ts overwrites x-forwarded-for with the socket's address, so it can be trusted here.
function clientIp(headers: Record<string, unknown> | undefined): string {
  const value = headers?.['x-forwarded-for'];
  return typeof value === 'string' && value ? value : 'unknown';
}

export const authOptions: NextAuthOptions = {
  // Idle sign-out is enforced per request by lib/auth/guard.ts from the session's lastActive;
  // maxAge is the absolute cap of one sign-in.
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
  pages: { signIn: '/login', error: '/login' },
  providers: [
    Credentials({
      name: 'Console account',
      credentials: { username: { type: 'text' }, password: { type: 'password' } },
      async authorize(credentials, req) {
        const parsed = credentialsSchema.safeParse(credentials);
        if (!parsed.success) throw new Error('Enter a username and a password.');
        const result = await authenticate(parsed.data.username, parsed.data.password, clientIp(req?.headers));
        if (!result.ok) throw new Error(result.message);
        return { id: result.user.id, name: result.user.username, role: result.user.role };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user, trigger }) {
      if (user) {
        token.uid = user.id;
        token.role = (user as unknown as { role: Role }).role;
        token.lastActive = Date.now();
      }
      if (trigger === 'update') token.lastActive = Date.now();
      return token;
    },
    session({ session, token }) {
      return {
        ...session,
        user: { id: token.uid as string, name: token.name ?? '', role: token.role as Role },
        lastActive: token.lastActive as number,
      };
    },
  },
  events: {
    async signOut({ token }) {
      if (token?.name) await recordAudit({ actor: token.name, action: 'auth.sign-out', outcome: 'success' });
    },
  },
  logger: {
    error: (code, metadata) =>
      getLogger('auth').error({ code, message: metadata instanceof Error ? metadata.message : undefined }, 'next-auth error'),
    warn: (code) => getLogger('auth').warn({ code }, 'next-auth warning'),
    debug: () => {},
  },
};
