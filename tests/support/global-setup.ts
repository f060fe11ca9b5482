import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { ensurePostgres, ensureRedis, type LocalService } from '../../db/local-services';
import { migrateDatabase } from '../../db/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
    redisUrl: string;
  }
}

/**
 * Once per run: a Postgres and a Redis (the ones named by DATABASE_URL / REDIS_URL, or private
 * ones), and a migrated template database that every test file clones into its own database.
 */
export default async function setup(project: TestProject) {
  const services: LocalService[] = [];
  // A run started by a test of the test command itself keeps its services apart from ours.
  const dataRoot = process.env.BATON_TEST_DATA_DIR ?? '.data/test';
  const pg = await ensurePostgres(dataRoot, 'postgres');
  services.push(pg);
  const redis = await ensureRedis(dataRoot);
  services.push(redis);

  const template = `baton_tpl_${process.pid}`;
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${template}`);
  await admin.unsafe(`CREATE DATABASE ${template}`);
  await migrateDatabase(withDatabase(pg.url, template));

  project.provide('adminDatabaseUrl', pg.url);
  project.provide('templateDatabase', template);
  project.provide('redisUrl', redis.url);

  return async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
    for (const service of services.reverse()) await service.stop();
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
