import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/auth/LoginForm';
import { getSessionUser } from '@/lib/auth/guard';
import { safeNextPath } from '@/lib/auth/safe-next-path';

export const dynamic = 'force-dynamic';

const NOTICES: Record<string, string> = {
  idle: 'You were signed out after a period without activity. Sign in again to continue.',
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === 'string' ? params.next : undefined);
  if (await getSessionUser()) redirect(next);
  const notice = typeof params.reason === 'string' ? NOTICES[params.reason] : undefined;
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm space-y-6 rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
        <div>
          <h1 className="text-xl font-semibold">OT Management Console</h1>
          <p className="mt-1 text-sm text-slate-600">Sign in to manage sensors and this appliance.</p>
        </div>
        <LoginForm next={next} notice={notice} />
      </div>
    </main>
  );
}
