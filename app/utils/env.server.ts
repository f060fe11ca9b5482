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
  /** Web server processes sharing PORT (node:cluster): one per core the web may use. */
  WEB_PROCESSES: int(1, 64).default(1),
  /** The address the web server listens on; every interface when unset. */
  HOST: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or an IP address, such as 127.0.0.1')
      .optional(),
  ),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  /** BullMQ key prefix; the braces keep each queue in one Redis Cluster slot. */
  REDIS_PREFIX: z
    .string()
    .regex(/^\{[a-z0-9-]+\}$/, 'must look like {baton}')
    .default('{baton}'),
  RECONCILE_EVERY_MS: int(1000, 3_600_000).default(30_000),
  WORKER_CONCURRENCY: int(1, 500).default(8),
  /** How long a killed worker's jobs wait before another worker takes them over. */
  WORKER_STALLED_MS: int(1000, 600_000).default(30_000),
  DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').default('baton-demo'),
  /** Where email goes, e.g. smtp://user:pass@mail.example.com:587. Unset: mail waits in the log. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Baton <baton@localhost>'),
  /** The portal's address as recipients reach it: links in email start with it. */
  PUBLIC_URL: z
    .string()
    .regex(
      /^https?:\/\/[^/]+$/,
      'must be an http(s) origin without a path, e.g. https://partners.example.com',
    )
    .optional(),
  /** Signs the one-click links in email; at least 32 characters, required in production. */
  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** First retry of a failed email after this long, doubling each time (10 tries, ~40 min at 5 s). */
  EMAIL_RETRY_BASE_MS: int(10, 600_000).default(5000),
  /**
   * Set by `npm run demo` only: this is a demonstration, not production, even though it runs the
   * production build. It opens the caught-mail page and allows the development secret.
   */
  DEMO_MODE: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  /** The channel managers' daily digest goes out at this hour, UTC. */
  DIGEST_HOUR_UTC: int(0, 23).default(7),
  /**
   * How many reverse proxies in front of Baton append to X-Forwarded-For. 0: the header is
   * ignored and the client is the socket's peer, since any client can write the header. N: the
   * client is the Nth entry from the right, the one the outermost trusted proxy wrote.
   */
  TRUST_PROXY: int(0, 10).default(0),
});

/** Used only outside production, where a fixed secret is harmless and saves a setup step. */
const DEVELOPMENT_SECRET = 'baton-development-secret-not-for-production';

const checkedEnvSchema = envSchema
  .superRefine((value, ctx) => {
    if (value.NODE_ENV === 'production' && value.DEMO_MODE === 'off' && !value.APP_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['APP_SECRET'],
        message: 'is not set: production needs a secret of at least 32 characters to sign email links',
      });
    }
  })
  .transform((value) => ({ ...value, ...withEmailDefaults(value) }));

type EmailSettings = Pick<
  z.output<typeof envSchema>,
  'PORT' | 'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_URL' | 'APP_SECRET' | 'EMAIL_RETRY_BASE_MS' | 'DIGEST_HOUR_UTC'
>;

function withEmailDefaults(value: EmailSettings) {
  return {
    APP_SECRET: value.APP_SECRET ?? DEVELOPMENT_SECRET,
    PUBLIC_URL: value.PUBLIC_URL ?? `http://localhost:${value.PORT}`,
  };
}

/** What a worker needs to send email, from the parsed environment. */
export function workerEmailOptions(value: EmailSettings) {
  const { APP_SECRET, PUBLIC_URL } = withEmailDefaults(value);
  return {
    smtpUrl: value.SMTP_URL,
    from: value.MAIL_FROM,
    publicUrl: PUBLIC_URL,
    secret: APP_SECRET,
    retryBaseMs: value.EMAIL_RETRY_BASE_MS,
    digestHourUtc: value.DIGEST_HOUR_UTC,
  };
}

/** The caught-mail page exists outside production and in the demo, never in production. */
export const mailCaptureOpen = (value: Pick<Env, 'NODE_ENV' | 'DEMO_MODE'>) =>
  value.NODE_ENV !== 'production' || value.DEMO_MODE === 'on';

export type Env = z.output<typeof checkedEnvSchema>;

/** Every problem at once, each naming its variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = checkedEnvSchema.safeParse(source);
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
