// server.ts owns the HTTPS server; code in the Next.js bundle asks it to pick up new certificate files
// through this hook, kept on globalThis because the two are separate module graphs in one process.
const key = Symbol.for('otc.tls-reloader');
type Holder = { [key]?: () => Promise<void> };

export function registerTlsReloader(reload: () => Promise<void>): void {
  (globalThis as Holder)[key] = reload;
}

// False when no HTTPS server runs in this process (CLI, tests): the files take effect at next start.
export async function reloadTls(): Promise<boolean> {
  const reload = (globalThis as Holder)[key];
  if (!reload) return false;
  await reload();
  return true;
}
