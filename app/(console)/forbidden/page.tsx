import Link from 'next/link';
import { Alert } from '@/components/ui/Alert';
import { requireRole } from '@/lib/auth/guard';
import { ROLE_LABELS, ROLES, type Role } from '@/lib/auth/roles';

export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireRole('READ_ONLY', '/forbidden');
  const { need } = await searchParams;
  const required = ROLES.includes(need as Role) ? ROLE_LABELS[need as Role] : 'another';
  return (
    <div className="max-w-xl space-y-4">
      <h1 className="text-2xl font-semibold">Not allowed</h1>
      <Alert tone="error">
        This page needs the {required} role. You are signed in as {user.username} ({ROLE_LABELS[user.role]}). Ask an Admin if you need
        access.
      </Alert>
      <Link href="/" className="text-sm text-sky-700 underline">
        Back to the overview
      </Link>
    </div>
  );
}
