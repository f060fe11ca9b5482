import { describe, expect, it } from 'vitest';
import {
  parsePasswordResetToken,
  passwordResetSignatureMatches,
  signCampaignAnswer,
  signEmailAction,
  signPasswordReset,
  tokenDigest,
  verifyCampaignAnswer,
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

describe('Join / Decline links of a campaign invitation', () => {
  const answer = {
    campaignId: 12,
    partnerId: 34,
    userId: 56,
    answer: 'join' as const,
    expiresAtMs: 1_790_000_000_000,
  };

  it('reads back exactly what was signed, for either answer', () => {
    expect(verifyCampaignAnswer(SECRET, signCampaignAnswer(SECRET, answer))).toEqual({
      ok: true,
      claims: answer,
    });
    const decline = { ...answer, answer: 'decline' as const };
    expect(verifyCampaignAnswer(SECRET, signCampaignAnswer(SECRET, decline))).toEqual({
      ok: true,
      claims: decline,
    });
  });

  it('refuses a link whose campaign, partner, user, answer or expiry was changed', () => {
    const parts = signCampaignAnswer(SECRET, answer).split('.');
    const changed = (index: number, value: string | number) =>
      parts.map((part, i) => (i === index ? String(value) : part)).join('.');
    for (const forged of [
      changed(0, answer.campaignId + 1),
      changed(1, answer.partnerId + 1),
      changed(2, answer.userId + 1),
      changed(3, 'd'),
      changed(4, answer.expiresAtMs + 30 * 86_400_000),
      // The same number spelled otherwise is another link, and not ours.
      changed(0, `0${answer.campaignId}`),
    ]) {
      expect(verifyCampaignAnswer(SECRET, forged)).toEqual({ ok: false, problem: 'tampered' });
    }
  });

  it('refuses a link signed with another secret, an offer link, and garbage', () => {
    const foreign = signCampaignAnswer('another-secret-of-sufficient-length-000', answer);
    expect(verifyCampaignAnswer(SECRET, foreign)).toEqual({ ok: false, problem: 'tampered' });
    // An offer link has its own purpose: even reshaped to look like an answer, its MAC is not one.
    const offerMac = signEmailAction(SECRET, claims).split('.')[4]!;
    expect(verifyCampaignAnswer(SECRET, `12.34.56.j.1790000000000.${offerMac}`)).toEqual({
      ok: false,
      problem: 'tampered',
    });
    expect(verifyEmailAction(SECRET, signCampaignAnswer(SECRET, answer))).toEqual({
      ok: false,
      problem: 'malformed',
    });
    for (const garbage of ['', '12.34.56.x.1.sig', `12.34.56.j.1.${'A'.repeat(42)}`, "1' OR 1=1"]) {
      expect(verifyCampaignAnswer(SECRET, garbage)).toEqual({ ok: false, problem: 'malformed' });
    }
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
