import Link from 'next/link';
import { SignOutButton } from '../auth/SignOutButton';

export function ConsoleHeader({
  consoleName,
  username,
  roleLabel,
  isAdmin,
}: {
  consoleName: string;
  username: string;
  roleLabel: string;
  isAdmin: boolean;
}) {
  return (
    <header className="border-b border-slate-800 bg-slate-900 text-slate-100">
      <div className="mx-auto flex max-w-6xl items-center gap-6 px-4 py-3">
        <Link href="/" className="font-semibold tracking-tight">
          {consoleName}
        </Link>
        <nav aria-label="Main" className="flex gap-4 text-sm text-slate-300">
          <Link href="/" className="hover:text-white">
            Overview
          </Link>
          <Link href="/sensors" className="hover:text-white">
            Sensors
          </Link>
          <Link href="/alerts" className="hover:text-white">
            Alerts
          </Link>
          {isAdmin ? (
            <Link href="/system-settings" className="hover:text-white">
              System Settings
            </Link>
          ) : null}
          <Link href="/account" className="hover:text-white">
            Account
          </Link>
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span data-testid="signed-in-user">
            {username} <span className="text-slate-400">({roleLabel})</span>
          </span>
          <div className="[&_button]:text-slate-200 [&_button:hover]:bg-slate-800">
            <SignOutButton />
          </div>
        </div>
      </div>
    </header>
  );
}
