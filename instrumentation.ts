import type { Instrumentation } from 'next';

// Errors Next.js catches in pages, server actions and route handlers go to the core log (and so into a
// log export) under the digest the error page shows, rather than only to the terminal.
export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { logRequestError } = await import('./lib/logs/request-error.ts');
  logRequestError(error, request, context);
};
