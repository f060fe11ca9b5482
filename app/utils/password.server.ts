import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt at N = 2^15, r = 8: about 32 MiB and tens of milliseconds per hash, slow enough to make
 * offline guessing expensive and cheap enough for a login. The parameters travel inside each
 * hash, so raising them later leaves existing hashes verifiable.
 */
const COST = 2 ** 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

// A stored hash chooses its own cost; these bounds keep a tampered row from exhausting memory or CPU.
const MAX_MEMORY_BYTES = 2 ** 30;
const MAX_PARALLELISM = 16;

function derive(plain: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  // Node refuses more than 32 MiB unless told the real need (128·N·r bytes, plus slack).
  const maxmem = 2 * 128 * options.N! * options.r!;
  return new Promise((resolve, reject) => {
    scrypt(plain.normalize('NFKC'), salt, keyBytes, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$saltB64$hashB64`, salted afresh for every call. */
export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(plain, salt, KEY_BYTES, { N: COST, r: BLOCK_SIZE, p: PARALLELISM });
  return ['scrypt', COST, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

/** False for a wrong password and for anything that is not one of our hashes; never throws on input. */
export async function verifyPassword(plain: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await derive(plain, parsed.salt, parsed.key.length, {
    N: parsed.cost,
    r: parsed.blockSize,
    p: parsed.parallelism,
  });
  return timingSafeEqual(key, parsed.key);
}

function parseHash(hash: string) {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [cost, blockSize, parallelism] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  const powerOfTwo = Number.isInteger(cost) && cost > 1 && (cost & (cost - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(blockSize) || blockSize < 1) return null;
  if (128 * cost * blockSize > MAX_MEMORY_BYTES) return null;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > MAX_PARALLELISM) return null;
  if (salt.length < 8 || key.length < 16) return null;
  return { cost, blockSize, parallelism, salt, key };
}
