import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { z } from 'zod';
import { awaitPeerCommit } from '../runtime/peer-commit.ts';
import { awaitWriteLease, leaseStillHeld } from '../runtime/write-lease.ts';
import { loadWriteRefusal } from '../ha/write-refusal.ts';
import { getSetting } from '../settings/data.ts';
import { forbidden, UNAUTHENTICATED, type ActionFailure } from './action-result.ts';
import { findSessionAccount } from './data.ts';
import { ROLE_LABELS, roleAtLeast, type Role } from './roles.ts';
import { sessionExpired } from './session-limits.ts';
import { currentSession } from './session.ts';

export type SessionUser = { id: string; username: string; role: Role; ip: string };

async function requestHeader(name: string): Promise<string | null> {
  try {
    return (await headers()).get(name);
  } catch {
    return null; // outside a request (CLI, tests)
  }
}

async function requestIp(): Promise<string> {
  return (await requestHeader('x-forwarded-for')) ?? 'unknown';
}

// The caller, or null when not signed in, idle too long, past the absolute limit of one sign-in, or
// when the account no longer exists or its sessions were ended (password change or reset, role change)
// after this one began. The account is read from the database on every call, so each of those takes
// effect at the user's next request.
export async function getSessionUser(now = Date.now()): Promise<SessionUser | null> {
  const session = await currentSession();
  if (!session) return null;
  if (sessionExpired(session.authTime, now)) return null;
  const idleMinutes = await getSetting('session.idleTimeoutMinutes');
  if (!session.lastActive || now - session.lastActive > idleMinutes * 60_000) return null;
  const user = await findSessionAccount(session.user.id);
  if (!user || user.sessionVersion !== session.sessionVersion) return null;
  return { id: user.id, username: user.username, role: user.role, ip: await requestIp() };
}

// For pages and layouts.
export async function requireRole(role: Role, from?: string): Promise<SessionUser> {
  if (from === undefined) {
    const url = new URL((await requestHeader('x-request-path')) ?? '/', 'https://console');
    url.searchParams.delete('_rsc');
    from = url.pathname + url.search;
  }
  const user = await getSessionUser();
  if (!user) redirect(`/login?next=${encodeURIComponent(from)}`);
  if (!roleAtLeast(user.role, role)) redirect(`/forbidden?from=${encodeURIComponent(from)}&need=${role}`);
  return user;
}

// For route handlers: the user, or the Response to return.
export async function requireRoleForRoute(role: Role): Promise<SessionUser | Response> {
  const user = await getSessionUser();
  if (!user) return Response.json({ code: 'UNAUTHENTICATED', message: UNAUTHENTICATED.message }, { status: 401 });
  if (!roleAtLeast(user.role, role)) return Response.json(forbidden(ROLE_LABELS[role]), { status: 403 });
  return user;
}

const actionRoles = new WeakMap<object, Role>();

// The role an action was declared with (the authorization test reads it to try every lower role).
export function requiredRoleOf(action: object): Role | undefined {
  return actionRoles.get(action);
}

// Every server action is built with this: guard first, then a zod parse, then the work. Server actions
// are public endpoints, so nothing reaches `run` without both.
export function guardedAction<S extends z.ZodType, R extends { ok: boolean }>(
  role: Role,
  schema: S,
  run: (input: z.infer<S>, user: SessionUser) => Promise<R>,
): (input: z.input<S>) => Promise<R | ActionFailure> {
  const action = async (input: z.input<S>): Promise<R | ActionFailure> => {
    const user = await getSessionUser();
    if (!user) return UNAUTHENTICATED;
    if (!roleAtLeast(user.role, role)) return forbidden(ROLE_LABELS[role]);
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const fieldErrors: Record<string, string> = {};
      for (const issue of parsed.error.issues) fieldErrors[issue.path.join('.') || 'form'] ??= issue.message;
      return { ok: false, code: 'INVALID_INPUT', message: parsed.error.issues[0]?.message ?? 'Invalid input.', fieldErrors };
    }
    return run(parsed.data, user);
  };
  actionRoles.set(action, role);
  return action;
}

// For every action that changes the console's data or configuration: guardedAction, then, after the guard
// and the parse and before `run`, the refusal of a console that is not active (a WriteRefusal, which is an
// ActionFailure that also names the active console). Reads, and the audit event a read leaves, stay with
// guardedAction.
export function guardedWrite<S extends z.ZodType, R extends { ok: boolean }>(
  role: Role,
  schema: S,
  run: (input: z.infer<S>, user: SessionUser) => Promise<R>,
): (input: z.input<S>) => Promise<(R & { replication?: 'pending' }) | ActionFailure> {
  return guardedAction(role, schema, async (input: z.infer<S>, user): Promise<(R & { replication?: 'pending' }) | ActionFailure> => {
    const refusal = await loadWriteRefusal();
    if (refusal) return refusal;
    // The active console of a pair writes only while it holds the lease, checked before the change and
    // again once it has committed: a change that outlived the lease (the process hung mid-write) is not
    // confirmed to the person, because the other console may have taken over meanwhile. A lease that lapsed
    // a moment ago is waited for briefly (write-lease.ts says why).
    const lease = await awaitWriteLease();
    if (!lease.ok) return { ok: false, code: 'NO_LEASE', message: lease.message };
    const result = await run(input, user);
    if (!result.ok) return result;
    if (!leaseStillHeld(lease.token))
      return {
        ok: false,
        code: 'LEASE_LOST',
        message:
          'This console lost the lease while the change was being saved, so it cannot confirm the change: the other console may have taken over. Check the High Availability page and make the change again on the active console.',
      };
    // Paired: the change is on the secondary too before the form says "Saved", or it says it is not yet.
    return (await awaitPeerCommit()) === 'pending' ? { ...result, replication: 'pending' as const } : result;
  });
}
