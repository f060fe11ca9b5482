import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../db/schema';
import { envSchema } from '../app/utils/env.server';
import { seedDemoData } from './seed';

/** `npm run seed`: demo data for a fresh database; a database with partners is left alone. */
const parsed = envSchema.pick({ DATABASE_URL: true, DEMO_PASSWORD: true }).safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(1);
}
const client = postgres(parsed.data.DATABASE_URL, {
  max: 10,
  onnotice: () => {},
  // A thousand small commits, each waiting for its own disk flush, would dominate the run time.
  // Without the wait a crash can lose the last moment of seeding, never half a transaction;
  // the seed's own sessions only, so the application keeps full durability.
  connection: { application_name: 'baton-seed', synchronous_commit: 'off' },
});
try {
  const result = await seedDemoData(drizzle(client, { schema }), { password: parsed.data.DEMO_PASSWORD });
  console.log(result.message);
} finally {
  await client.end({ timeout: 5 });
}
