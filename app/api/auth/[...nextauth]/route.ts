import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth/options';

// Public by design: this is where sign-in happens. Credentials are zod-parsed in authOptions.authorize.
const handler = NextAuth(authOptions);

export { handler as GET, handler as POST };
