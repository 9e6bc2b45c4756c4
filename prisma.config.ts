import { defineConfig } from 'prisma/config';

// Prisma's CLI is used here only for `generate` (offline). Migrations are applied by the appliance
// itself (lib/db/migrate.ts) and authored with `npm run db:migration:new` (WASM schema engine).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
