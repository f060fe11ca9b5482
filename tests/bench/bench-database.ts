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
  const url = await createBenchDatabase(server.url, name);
  return { url, server, serverUrl: server.url };
}

/** Drops and recreates `name` on the server of `serverUrl`, migrated; returns its URL. */
export async function createBenchDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(serverUrl, name);
  await migrateDatabase(url);
  return url;
}

/** Drops `name` on the server of `serverUrl` (a bench's own database, once measured). */
export async function dropBenchDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    return row !== undefined;
  } finally {
    await admin.end();
  }
}

export function withDatabaseName(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
