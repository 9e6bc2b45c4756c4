import { PrismaPg } from '@prisma/adapter-pg';
import { processSingleton } from '../runtime/process-singleton.ts';
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

// One client per process (see processSingleton); replaced when DATABASE_URL changes, as the tests do.
const state = processSingleton('db', () => ({ current: undefined as { url: string; client: Db } | undefined }));

export function db(): Db {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: start the console with server.ts');
  if (state.current && state.current.url === url) return state.current.client;
  const client = createClient(url);
  state.current = { url, client };
  return client;
}

export async function disconnectDb(): Promise<void> {
  const current = state.current;
  state.current = undefined;
  await current?.client.$disconnect();
}
