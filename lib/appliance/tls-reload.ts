import { processSingleton } from '../runtime/process-singleton.ts';

// server.ts owns the HTTPS server; code in the Next.js bundle asks it to pick up new certificate files
// through this hook, which must be one per process (see processSingleton).
const hook = processSingleton('tls-reloader', () => ({ reload: undefined as (() => Promise<void>) | undefined }));

export function registerTlsReloader(reload: () => Promise<void>): void {
  hook.reload = reload;
}

// False when no HTTPS server runs in this process (CLI, tests): the files take effect at next start.
export async function reloadTls(): Promise<boolean> {
  if (!hook.reload) return false;
  await hook.reload();
  return true;
}
