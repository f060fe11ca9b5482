import { migrateDatabase } from './migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: it names the Postgres database to migrate.');
  process.exit(1);
}
await migrateDatabase(url);
console.log('migrations applied');
