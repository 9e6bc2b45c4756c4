import type { NextAuthOptions } from 'next-auth';
import { encode } from 'next-auth/jwt';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { recordAudit } from '../audit/mutations.ts';
import { getLogger } from '../logs/logger.ts';
import type { Role } from './roles.ts';
import { SESSION_COOKIE } from './session-cookie-name.ts';
import { sessionMaxMs, sessionSecondsLeft } from './session-limits.ts';
import { authenticate } from './sign-in.ts';

const credentialsSchema = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) });

// server.ts overwrites x-forwarded-for with the socket's address, so it can be trusted here.
function clientIp(headers: Record<string, unknown> | undefined): string {
  const value = headers?.['x-forwarded-for'];
  return typeof value === 'string' && value ? value : 'unknown';
}

export const authOptions: NextAuthOptions = {
  // The guard (lib/auth/guard.ts) enforces on every request: the idle limit from lastActive, the
  // absolute limit from authTime, and sessionVersion against the account's current one.
  session: { strategy: 'jwt', maxAge: sessionMaxMs() / 1000 },
  // The console is served over HTTPS only: one cookie name, __Secure- prefixed, whatever NEXTAUTH_URL says.
  useSecureCookies: true,
  cookies: {
    sessionToken: { name: SESSION_COOKIE, options: { httpOnly: true, sameSite: 'lax', path: '/', secure: true } },
  },
  jwt: {
    // next-auth re-issues the token on every session read with a fresh maxAge; capping it at what is
    // left of the sign-in is what makes the absolute limit absolute.
    encode: (params) => encode({ ...params, maxAge: sessionSecondsLeft(params.token?.authTime, Date.now()) }),
  },
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
        return { id: result.user.id, name: result.user.username, role: result.user.role, sessionVersion: result.user.sessionVersion };
      },
    }),
  ],
  callbacks: {
    // authTime is set once, at sign-in, and never moves; an update (the client's activity ping) only
    // moves lastActive. Nothing the client sends is copied into the token.
    jwt({ token, user, trigger }) {
      const now = Date.now();
      if (user) {
        const signedIn = user as unknown as { id: string; role: Role; sessionVersion: number };
        token.uid = signedIn.id;
        token.role = signedIn.role;
        token.sv = signedIn.sessionVersion;
        token.authTime = now;
        token.lastActive = now;
      } else if (trigger === 'update') token.lastActive = now;
      return token;
    },
    session({ session, token }) {
      return {
        ...session,
        user: { id: token.uid as string, name: token.name ?? '', role: token.role as Role },
        lastActive: token.lastActive as number,
        authTime: token.authTime as number,
        sessionVersion: token.sv as number,
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
