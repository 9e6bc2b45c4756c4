import { mkdirSync } from 'node:fs';
import path from 'node:path';

// Where a console started as root keeps what the `postgres` user must reach but cannot under the data
// directory (a clone in root's home or in a `mktemp -d` directory: mode 0700 somewhere above). Root-owned,
// searchable but not listable by others, like the distribution's own /var/lib/postgresql.
export const SERVER_HOME = '/var/lib/otc-console';

export function serverHome(...parts: string[]): string {
  mkdirSync(SERVER_HOME, { recursive: true, mode: 0o711 });
  return path.join(SERVER_HOME, ...parts);
}
