import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.server';

describe('passwords', () => {
  it('lets the right password in', async () => {
    const hash = await hashPassword('baton-demo');
    expect(hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('baton-demo', hash)).toBe(true);
  });

  it('keeps a wrong password out, even one differing by a single letter', async () => {
    const hash = await hashPassword('baton-demo');
    expect(await verifyPassword('baton-demO', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash, so two users with the same password do not share a hash', async () => {
    const [first, second] = await Promise.all([hashPassword('same secret'), hashPassword('same secret')]);
    expect(first).not.toBe(second);
    expect(await verifyPassword('same secret', first)).toBe(true);
    expect(await verifyPassword('same secret', second)).toBe(true);
  });

  it('treats a malformed or tampered hash as a failed sign-in, not an error', async () => {
    expect(await verifyPassword('baton-demo', 'not-a-hash')).toBe(false);
    expect(await verifyPassword('baton-demo', 'scrypt$3$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5')).toBe(false);
    // A cost this large would need 2 TiB of memory to check.
    expect(await verifyPassword('baton-demo', 'scrypt$1073741824$16$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5')).toBe(
      false,
    );
  });
});
