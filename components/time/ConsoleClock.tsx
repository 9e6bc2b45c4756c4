'use client';

import { useEffect, useState } from 'react';
import { formatZonedTime } from '@/lib/time/format';

// The console's clock, not the browser's: it starts from the server's time at render and keeps the
// difference to the browser's clock, so a browser with a wrong clock still sees the appliance's time.
export function ConsoleClock({ serverNow, timeZone }: { serverNow: number; timeZone: string }) {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const offset = serverNow - Date.now();
    const timer = setInterval(() => setNow(Date.now() + offset), 1000);
    return () => clearInterval(timer);
  }, [serverNow]);
  const t = formatZonedTime(now, timeZone);
  return (
    <p className="text-sm text-slate-700">
      <span className="block text-xs tracking-wide text-slate-500 uppercase">Console time</span>
      <time data-testid="console-time" dateTime={new Date(now).toISOString()} className="font-mono text-2xl text-slate-900">
        {t.date} {t.time}
      </time>{' '}
      <span data-testid="console-time-zone">
        {t.timeZone} ({t.offset})
      </span>
    </p>
  );
}
