import { describe, expect, it } from 'vitest';
import {
  parsePasswordResetToken,
  passwordResetSignatureMatches,
  signEmailAction,
  signPasswordReset,
  tokenDigest,
  verifyEmailAction,
} from './signed-tokens';

const SECRET = 'a-test-secret-that-is-long-enough-for-hmac';
const claims = { offerId: 42, action: 'accept' as const, userId: 7, expiresAtMs: 1_790_000_000_000 };

describe('one-click email links', () => {
  it('reads back exactly what was signed', () => {
    const token = signEmailAction(SECRET, claims);
    expect(verifyEmailAction(SECRET, token)).toEqual({ ok: true, claims });
    const decline = signEmailAction(SECRET, { ...claims, action: 'decline' });
    expect(verifyEmailAction(SECRET, decline)).toEqual({
      ok: true,
      claims: { ...claims, action: 'decline' },
    });
  });

  it('refuses a link whose offer, action, user or deadline was changed', () => {
    const token = signEmailAction(SECRET, claims);
    const [offer, action, user, deadline, mac] = token.split('.');
    for (const forged of [
      [Number(offer) + 1, action, user, deadline, mac],
      [offer, 'd', user, deadline, mac],
      [offer, action, Number(user) + 1, deadline, mac],
      [offer, action, user, Number(deadline) + 3_600_000, mac],
    ]) {
      expect(verifyEmailAction(SECRET, forged.join('.'))).toEqual({ ok: false, problem: 'tampered' });
    }
  });

  it('accepts only the one spelling of a signature it made', () => {
    const token = signEmailAction(SECRET, claims);
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const index = alphabet.indexOf(last);
    // Same six bits but the two unused ones set differently: decodes to the same bytes.
    const twin = alphabet[(index & ~3) | ((index + 1) & 3)]!;
    expect(Buffer.from(token.split('.')[4]!, 'base64url')).toEqual(
      Buffer.from(`${token.split('.')[4]!.slice(0, -1)}${twin}`, 'base64url'),
    );
    expect(verifyEmailAction(SECRET, `${token.slice(0, -1)}${twin}`)).toEqual({
      ok: false,
      problem: 'tampered',
    });
  });

  it('refuses a link signed with another secret, and garbage', () => {
    const foreign = signEmailAction('another-secret-of-sufficient-length-000', claims);
    expect(verifyEmailAction(SECRET, foreign)).toEqual({ ok: false, problem: 'tampered' });
    for (const garbage of [
      '',
      'abc',
      '1.x.2.3.sig',
      `${'9'.repeat(20)}.a.1.1.${'A'.repeat(43)}`,
      "1' OR 1=1",
    ]) {
      expect(verifyEmailAction(SECRET, garbage)).toEqual({ ok: false, problem: 'malformed' });
    }
  });

  it('keys single use by a digest, never by the token', () => {
    const token = signEmailAction(SECRET, claims);
    expect(tokenDigest(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenDigest(token)).not.toContain(token.split('.')[4]);
  });
});

describe('password reset links', () => {
  const reset = { resetId: 5, userId: 9, expiresAtMs: 1_790_000_000_000 };

  it('matches the row it was made from and nothing else', () => {
    const token = signPasswordReset(SECRET, reset);
    const parsed = parsePasswordResetToken(token);
    expect(parsed?.resetId).toBe(5);
    expect(passwordResetSignatureMatches(SECRET, reset, parsed!.signature)).toBe(true);
    expect(passwordResetSignatureMatches(SECRET, { ...reset, userId: 10 }, parsed!.signature)).toBe(false);
    expect(passwordResetSignatureMatches(SECRET, { ...reset, expiresAtMs: 1 }, parsed!.signature)).toBe(
      false,
    );
    expect(parsePasswordResetToken('5.short')).toBeNull();
  });
});
