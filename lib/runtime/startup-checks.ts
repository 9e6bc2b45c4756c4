import { randomBytes } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { StartupFailure } from './startup-failure.ts';

// Checks server.ts makes before it starts anything it would have to stop again, each failing with one
// line that names the cause and what to do.

export async function checkDataDirWritable(dir: string, variable = 'OTC_DATA_DIR'): Promise<void> {
  const probe = path.join(dir, `.write-check-${randomBytes(4).toString('hex')}`);
  try {
    // Traverse-only for others: the embedded PostgreSQL runs as its own user and may keep its cluster here.
    await mkdir(dir, { recursive: true, mode: 0o711 });
    await writeFile(probe, '', { flag: 'wx' });
    await unlink(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way' : code === 'EROFS' ? 'read-only file system' : code;
    throw new StartupFailure(
      `${variable} ${dir} is not a writable directory (${why}): fix its permissions or mount, or set ${variable} to a writable directory.`,
    );
  }
}

function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((nic) => nic.address);
}

export function describeListenError(error: unknown, address: string, port: number): Error {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartupFailure(
        `Port ${port} on ${address} is already in use: stop the program listening there (ss -ltnp 'sport = :${port}'), or set OTC_HTTPS_PORT to a free port.`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupFailure(
        `Address ${address} is not on this host: set OTC_BIND_ADDRESS to one of its addresses (${hostAddresses().join(', ')}) or to 0.0.0.0.`,
      );
    case 'EACCES':
      return new StartupFailure(
        `Port ${port} needs root (ports below 1024 are privileged): run as root, or set OTC_HTTPS_PORT to 1024 or above.`,
      );
    default:
      return error as Error;
  }
}

// Finds a port in use or a foreign address before the database starts, rather than after.
export async function checkCanListen(address: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(describeListenError(error, address, port)));
    probe.listen(port, address, () => probe.close(() => resolve()));
  });
}

// One line for the terminal, whatever was thrown: operator-fixable causes as they are, anything else
// (a bug) by its message, with the details left to the core log.
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
