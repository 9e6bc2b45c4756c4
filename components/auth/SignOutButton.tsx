'use client';

import { signOut } from 'next-auth/react';
import { Button } from '../ui/Button';

export function SignOutButton() {
  return (
    <Button
      variant="ghost"
      onClick={async () => {
        await signOut({ redirect: false });
        window.location.assign('/login');
      }}
    >
      Sign out
    </Button>
  );
}
