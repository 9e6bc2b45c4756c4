import { UsersSection } from '@/components/users/UsersSection';
import { requireRole } from '@/lib/auth/guard';
import { PASSWORD_POLICY_TEXT } from '@/lib/auth/password-policy';
import { loadUsersView } from '@/lib/users/loaders';

export default async function UsersPage() {
  const user = await requireRole('ADMIN', '/system-settings/users');
  const users = await loadUsersView();
  return <UsersSection users={users} currentUsername={user.username} policy={PASSWORD_POLICY_TEXT} />;
}
