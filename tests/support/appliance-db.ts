import { initialiseAppliance } from '../../lib/appliance/mutations.ts';
import { disconnectDb } from '../../lib/db/client.ts';
import { applyMigrations } from '../../lib/db/migrate.ts';
import { createUser } from '../../lib/users/mutations.ts';
import type { Role } from '../../lib/auth/roles.ts';
import { createTestDatabase } from './pg.ts';

export const ADMIN_PASSWORD = 'Initial-Admin-Pass-1';
export const USER_PASSWORD = 'Ordinary-User-Pass-2';

export type ApplianceDb = { url: string; users: Record<Role, string>; close: () => Promise<void> };

// A migrated database holding an initialised appliance and one user per role, made the current
// database of this test process (lib/db/client reads DATABASE_URL).
export async function createApplianceDatabase(): Promise<ApplianceDb> {
  const database = await createTestDatabase();
  await applyMigrations(database.url, { migrationsDir: 'prisma/migrations' });
  process.env.DATABASE_URL = database.url;
  await initialiseAppliance({
    domain: 'otc-test.local',
    model: 'OTC-VM',
    softwareVersion: '0.0.0-test',
    adminUsername: 'admin',
    adminPassword: ADMIN_PASSWORD,
  });
  const system = { username: 'system' };
  for (const [username, role] of [
    ['analyst', 'SECURITY_ANALYST'],
    ['viewer', 'READ_ONLY'],
  ] as const) {
    const created = await createUser({ username, password: USER_PASSWORD, role }, system);
    if (!created.ok) throw new Error(created.message);
  }
  return {
    url: database.url,
    users: { ADMIN: 'admin', SECURITY_ANALYST: 'analyst', READ_ONLY: 'viewer' },
    close: async () => {
      await disconnectDb();
      await database.drop();
    },
  };
}
