// Prisma CLI configuration. The server applies migrations itself (src/db/migrate.ts);
// the CLI is used here for `prisma generate` and for the schema/migration agreement check.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/breakglass' },
});
