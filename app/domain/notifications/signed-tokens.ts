import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Links in email that act without a session: Accept / Decline, and password reset. They are
 * signed rather than stored, so the database never holds a usable link, and a mail scanner or
 * a reader of the database cannot forge one.
 */

export type EmailAction = 'accept' | 'decline';

export interface EmailActionClaims {
  offerId: number;
  action: EmailAction;
  userId: number;
  /** The offer's deadline when the email was made (ms since epoch): the link dies with it. */
  expiresAtMs: number;
}

export type TokenProblem = 'malformed' | 'tampered';

const b64 = (buffer: Buffer) => buffer.toString('base64url');

function mac(secret: string, purpose: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}\n${body}`).digest();
}

function sameMac(expected: Buffer, given: string): boolean {
  const received = Buffer.from(given, 'base64url');
  // The last base64url character carries two unused bits: only our own spelling is accepted, so
  // one link has one text (and one single-use digest).
  if (received.toString('base64url') !== given) return false;
  return received.length === expected.length && timingSafeEqual(received, expected);
}

const ACTION_CODES: Record<EmailAction, string> = { accept: 'a', decline: 'd' };
const ACTIONS_BY_CODE: Record<string, EmailAction> = { a: 'accept', d: 'decline' };

/** `<offer>.<a|d>.<user>.<deadline ms>.<mac>`: short enough for any mail client to keep whole. */
export function signEmailAction(secret: string, claims: EmailActionClaims): string {
  const body = [claims.offerId, ACTION_CODES[claims.action], claims.userId, claims.expiresAtMs].join('.');
  return `${body}.${b64(mac(secret, 'email-action', body))}`;
}

export function verifyEmailAction(
  secret: string,
  token: string,
): { ok: true; claims: EmailActionClaims } | { ok: false; problem: TokenProblem } {
  const match = /^(\d{1,10})\.([ad])\.(\d{1,10})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, problem: 'malformed' };
  const [, offerId, code, userId, expiresAtMs, signature] = match;
  const body = `${offerId}.${code}.${userId}.${expiresAtMs}`;
  if (!sameMac(mac(secret, 'email-action', body), signature!)) return { ok: false, problem: 'tampered' };
  return {
    ok: true,
    claims: {
      offerId: Number(offerId),
      action: ACTIONS_BY_CODE[code!]!,
      userId: Number(userId),
      expiresAtMs: Number(expiresAtMs),
    },
  };
}

/**
 * Links that open an account from its mailbox (password reset, sign-in link) point at a row
 * that makes them good once and until its expiry. Each has a purpose of its own, so that no
 * reset link can ever be read as a sign-in link or the other way round.
 */
export type AccountLinkPurpose = 'password-reset' | 'sign-in-link';

export interface AccountLinkClaims {
  linkId: number;
  userId: number;
  expiresAtMs: number;
}

/**
 * `<row id>.<mac>`: the user and expiry are signed but read back from the row, so the link
 * stays short and a row that was used or replaced stops every link made from it.
 */
export function signAccountLink(
  secret: string,
  purpose: AccountLinkPurpose,
  claims: AccountLinkClaims,
): string {
  const body = `${claims.linkId}.${claims.userId}.${claims.expiresAtMs}`;
  return `${claims.linkId}.${b64(mac(secret, purpose, body))}`;
}

export function parseAccountLinkToken(token: string): { linkId: number; signature: string } | null {
  const match = /^(\d{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { linkId: Number(match[1]), signature: match[2]! } : null;
}

export function accountLinkSignatureMatches(
  secret: string,
  purpose: AccountLinkPurpose,
  claims: AccountLinkClaims,
  signature: string,
): boolean {
  const body = `${claims.linkId}.${claims.userId}.${claims.expiresAtMs}`;
  return sameMac(mac(secret, purpose, body), signature);
}

export interface PasswordResetClaims {
  resetId: number;
  userId: number;
  expiresAtMs: number;
}

/** A password reset link: an account link under its own purpose. */
export const signPasswordReset = (secret: string, { resetId, ...claims }: PasswordResetClaims) =>
  signAccountLink(secret, 'password-reset', { linkId: resetId, ...claims });

export function parsePasswordResetToken(token: string): { resetId: number; signature: string } | null {
  const parsed = parseAccountLinkToken(token);
  return parsed && { resetId: parsed.linkId, signature: parsed.signature };
}

export const passwordResetSignatureMatches = (
  secret: string,
  { resetId, ...claims }: PasswordResetClaims,
  signature: string,
) => accountLinkSignatureMatches(secret, 'password-reset', { linkId: resetId, ...claims }, signature);

/** What the single-use table keys a token by: never the token itself. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export type CampaignAnswer = 'join' | 'decline';

/** Join / Decline in a campaign invitation: one admin answering for one partner. */
export interface CampaignAnswerClaims {
  campaignId: number;
  partnerId: number;
  userId: number;
  answer: CampaignAnswer;
  /** 30 days after the email was made, or the campaign's end if sooner (ms since epoch). */
  expiresAtMs: number;
}

const ANSWER_CODES: Record<CampaignAnswer, string> = { join: 'j', decline: 'd' };
const ANSWERS_BY_CODE: Record<string, CampaignAnswer> = { j: 'join', d: 'decline' };

/**
 * `<campaign>.<partner>.<user>.<j|d>.<expiry ms>.<mac>`, under a purpose of its own, so that no
 * offer link can ever be read as a campaign answer or the other way round.
 */
export function signCampaignAnswer(secret: string, claims: CampaignAnswerClaims): string {
  const body = [
    claims.campaignId,
    claims.partnerId,
    claims.userId,
    ANSWER_CODES[claims.answer],
    claims.expiresAtMs,
  ].join('.');
  return `${body}.${b64(mac(secret, 'campaign-answer', body))}`;
}

export function verifyCampaignAnswer(
  secret: string,
  token: string,
): { ok: true; claims: CampaignAnswerClaims } | { ok: false; problem: TokenProblem } {
  const match = /^(\d{1,10})\.(\d{1,10})\.(\d{1,10})\.([jd])\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, problem: 'malformed' };
  const [, campaignId, partnerId, userId, code, expiresAtMs, signature] = match;
  const body = `${campaignId}.${partnerId}.${userId}.${code}.${expiresAtMs}`;
  if (!sameMac(mac(secret, 'campaign-answer', body), signature!)) return { ok: false, problem: 'tampered' };
  return {
    ok: true,
    claims: {
      campaignId: Number(campaignId),
      partnerId: Number(partnerId),
      userId: Number(userId),
      answer: ANSWERS_BY_CODE[code!]!,
      expiresAtMs: Number(expiresAtMs),
    },
  };
}
