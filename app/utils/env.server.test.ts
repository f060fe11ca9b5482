import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from './env.server';

const REQUIRED = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/baton',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

/**
 * An environment as a deployment sets it. (Remix types NODE_ENV as always present in
 * process.env; here it may be missing, which is the point.)
 */
const environment = (variables: Record<string, string>) => variables as NodeJS.ProcessEnv;

function configErrorOf(variables: Record<string, string>): ConfigError {
  try {
    parseEnv(environment(variables));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected parseEnv to refuse this environment');
}

describe('configuration from the environment', () => {
  it('names every bad variable in one error: a missing DATABASE_URL and a malformed PORT', () => {
    const error = configErrorOf({ REDIS_URL: REQUIRED.REDIS_URL, PORT: 'eighty' });
    const lines = error.message.split('\n');

    expect(error.name).toBe('ConfigError');
    expect(lines.some((line) => /^\s*DATABASE_URL: is not set/.test(line))).toBe(true);
    expect(lines.some((line) => /^\s*PORT: /.test(line))).toBe(true);
    expect(error.message).not.toMatch(/REDIS_URL/);
  });

  it('tells how to fix a missing variable with an example', () => {
    const error = configErrorOf({});

    expect(error.message).toMatch(/DATABASE_URL: is not set.*postgres:\/\//);
    expect(error.message).toMatch(/REDIS_URL: is not set.*redis:\/\//);
  });

  it('refuses a DATABASE_URL that is not a Postgres URL and a REDIS_PREFIX without braces', () => {
    const error = configErrorOf({ ...REQUIRED, DATABASE_URL: 'mysql://db/baton', REDIS_PREFIX: 'baton' });

    expect(error.message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(error.message).toMatch(/REDIS_PREFIX: must look like \{baton\}/);
  });

  it('refuses a port out of range', () => {
    expect(configErrorOf({ ...REQUIRED, PORT: '70000' }).message).toMatch(/PORT: /);
    expect(configErrorOf({ ...REQUIRED, PORT: '0' }).message).toMatch(/PORT: /);
  });

  it('fills in the defaults: port 3000, Redis prefix {baton}, a reconcile every 30 s', () => {
    const env = parseEnv(environment({ ...REQUIRED }));

    expect(env.PORT).toBe(3000);
    expect(env.REDIS_PREFIX).toBe('{baton}');
    expect(env.RECONCILE_EVERY_MS).toBe(30_000);
    expect(env.NODE_ENV).toBe('development');
    expect(env.DATABASE_URL).toBe(REQUIRED.DATABASE_URL);
  });

  it('reads numbers given as text and keeps the values it was given', () => {
    const env = parseEnv(
      environment({
        ...REQUIRED,
        DATABASE_URL: 'postgresql://baton@db.internal/baton',
        REDIS_URL: 'rediss://cache.internal:6380',
        PORT: '8080',
        REDIS_PREFIX: '{baton-eu}',
        RECONCILE_EVERY_MS: '5000',
      }),
    );

    expect(env.PORT).toBe(8080);
    expect(env.REDIS_PREFIX).toBe('{baton-eu}');
    expect(env.RECONCILE_EVERY_MS).toBe(5000);
    expect(env.REDIS_URL).toBe('rediss://cache.internal:6380');
  });

  it('trusts no proxy unless TRUST_PROXY names how many hops, from 0 to 10', () => {
    expect(parseEnv(environment({ ...REQUIRED })).TRUST_PROXY).toBe(0);
    expect(parseEnv(environment({ ...REQUIRED, TRUST_PROXY: '2' })).TRUST_PROXY).toBe(2);
    expect(configErrorOf({ ...REQUIRED, TRUST_PROXY: 'yes' }).message).toMatch(
      /TRUST_PROXY: must be a whole number from 0 to 10/,
    );
    expect(configErrorOf({ ...REQUIRED, TRUST_PROXY: '11' }).message).toMatch(
      /TRUST_PROXY: must be at most 10/,
    );
  });
});
