import postgres from 'postgres';
import { migrateDatabase } from '../../db/migrate';
import { ensurePostgres, type LocalService } from '../../db/local-services';

/**
 * A fresh database named `name` on the server of DATABASE_URL (or an embedded one), migrated.
 * Benchmarks drop and recreate it, so they never touch the demo or test data.
 */
export async function freshBenchDatabase(
  name: string,
): Promise<{ url: string; server: LocalService; serverUrl: string }> {
  const server = await ensurePostgres('.data/bench', 'postgres');
  const serverUrl = server.url;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return { url: url.toString(), server, serverUrl };
}

export function withDatabaseName(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
