import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export type Db = ReturnType<typeof createClient>;
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

function createClient(connectionString: string) {
  // Password hashes are left out of every query unless a caller asks for them explicitly
  // (only lib/auth does, to verify a sign-in).
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString, max: 10 }),
    omit: { user: { passwordHash: true } },
  });
}

// One client per process. server.ts and the Next.js server bundle are separate module graphs in the
// same process, so the instance lives on globalThis rather than in module scope.
const key = Symbol.for('otc.db');
type Holder = { [key]?: { url: string; client: Db } };

export function db(): Db {
  const holder = globalThis as Holder;
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: start the console with server.ts');
  const current = holder[key];
  if (current && current.url === url) return current.client;
  const client = createClient(url);
  holder[key] = { url, client };
  return client;
}

export async function disconnectDb(): Promise<void> {
  const holder = globalThis as Holder;
  await holder[key]?.client.$disconnect();
  delete holder[key];
}
