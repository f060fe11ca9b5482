import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createDatabase } from '../../db/client';
import { withDatabase } from './global-setup';

/** A database of this test file's own, cloned from the migrated template; dropped by `drop()`. */
export async function createTestDatabase() {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `baton_t_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  // CREATE DATABASE … TEMPLATE needs the template to have no other session; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
    }
  }
  const url = withDatabase(adminUrl, name);
  const database = createDatabase(url, { max: 20 });
  return {
    url,
    name,
    ...database,
    async drop() {
      await database.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/** A Redis key prefix of this test file's own, so files never see each other's jobs. */
export function testRedisPrefix(): string {
  return `{baton-t-${randomBytes(5).toString('hex')}}`;
}
