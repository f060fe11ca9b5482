import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Database = ReturnType<typeof createDatabase>['db'];
/** A transaction handle, or the database itself where no transaction is needed. */
export type Executor = Parameters<Parameters<Database['transaction']>[0]>[0] | Database;

export function createDatabase(url: string, options: { max?: number } = {}) {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Timestamps stay Date objects; bigint ids we declare as integer, money as bigint mode number.
    connection: { application_name: process.env.BATON_APP_NAME ?? 'baton' },
  });
  const db = drizzle(client, { schema });
  return { db, client, close: () => client.end({ timeout: 5 }) };
}
