import { z } from 'zod';

const postgresUrl = z
  .string({
    error: 'is not set: it names the Postgres database, e.g. postgres://postgres@127.0.0.1:5432/baton',
  })
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');
const redisUrl = z
  .string({ error: 'is not set: it names the Redis server, e.g. redis://127.0.0.1:6379' })
  .regex(/^rediss?:\/\//, 'must be a redis:// URL');
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(1, 65535).default(3000),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  /** BullMQ key prefix; the braces keep each queue in one Redis Cluster slot. */
  REDIS_PREFIX: z
    .string()
    .regex(/^\{[a-z0-9-]+\}$/, 'must look like {baton}')
    .default('{baton}'),
  RECONCILE_EVERY_MS: int(1000, 3_600_000).default(30_000),
  WORKER_CONCURRENCY: int(1, 500).default(32),
  /** How long a killed worker's jobs wait before another worker takes them over. */
  WORKER_STALLED_MS: int(1000, 600_000).default(30_000),
  DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').default('baton-demo'),
});

export type Env = z.infer<typeof envSchema>;

/** Every problem at once, each naming its variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`Baton cannot start; fix these environment variables:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}
