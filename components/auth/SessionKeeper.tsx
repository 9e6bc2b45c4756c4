'use client';

import { SessionProvider, signOut, useSession } from 'next-auth/react';
import { useEffect, useRef, type ReactNode } from 'react';

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
const PING_EVERY_MS = 60_000;

// Keeps the session alive while the operator works and signs out after the configured idle time.
// The server enforces the same limit on every request (lib/auth/guard.ts); this makes it visible.
function IdleWatch({ idleMinutes }: { idleMinutes: number }) {
  const { update } = useSession();
  const lastActivity = useRef(0);
  const lastPing = useRef(0);

  useEffect(() => {
    lastActivity.current = Date.now();
    lastPing.current = Date.now();
    const onActivity = () => {
      lastActivity.current = Date.now();
      if (lastActivity.current - lastPing.current > PING_EVERY_MS) {
        lastPing.current = lastActivity.current;
        void update();
      }
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true });
    const timer = window.setInterval(async () => {
      if (Date.now() - lastActivity.current > idleMinutes * 60_000) {
        window.clearInterval(timer);
        await signOut({ redirect: false });
        window.location.assign('/login?reason=idle');
      }
    }, 5_000);
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity);
      window.clearInterval(timer);
    };
  }, [idleMinutes, update]);
  return null;
}

export function SessionKeeper({ idleMinutes, children }: { idleMinutes: number; children: ReactNode }) {
  return (
    <SessionProvider refetchOnWindowFocus={false} refetchInterval={0}>
      <IdleWatch idleMinutes={idleMinutes} />
      {children}
    </SessionProvider>
  );
}
