import { ChangePasswordForm } from '@/components/auth/ChangePasswordForm';
import { Card } from '@/components/ui/Card';
import { requireRole } from '@/lib/auth/guard';
import { PASSWORD_POLICY_TEXT } from '@/lib/auth/password-policy';

export default async function AccountPage() {
  const user = await requireRole('READ_ONLY', '/account');
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Account</h1>
      <Card title="Change password" description={`Signed in as ${user.username}.`}>
        <ChangePasswordForm policy={PASSWORD_POLICY_TEXT} />
      </Card>
    </div>
  );
}
