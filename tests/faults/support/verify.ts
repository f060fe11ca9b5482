import { sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { checkInvariants } from '../../../db/check-invariants';
import type { Database } from '../../../db/client';
import type { LedgerEntry } from './driver';
import type { MailCounter } from './mail-counter';

/**
 * The end of every scenario: the invariant checker, then the ledger held against the database
 * and the mail server's count. Pass means no violation:
 * - every lead the server acknowledged exists, once; none exists that nobody asked for; each is
 *   accepted, unroutable, or offered with a pending offer whose deadline is not overdue;
 * - no offer has two outcomes, and each outcome is backed by the ledger: an accept or decline
 *   the server confirmed happened, one it refused did not (unless another request did it), an
 *   answer sent after the deadline was refused, nothing was answered that nobody sent;
 * - every expiry came within the reconciler's period (plus an allowance for a busy machine)
 *   of the deadline, or of the recovery for deadlines that fell during the fault;
 * - every event was fanned out and every email row was sent and arrived exactly once (or was
 *   skipped, with its reason, and never arrived).
 */

export interface Violation {
  check: string;
  detail: string;
}

export interface FaultTimes {
  /** When the fault began. */
  startedAt: number;
  /** When the broken part was back (the same moment for an instant fault). */
  recoveredAt: number;
  /** Times the worker was SIGKILLed: an email accepted by the mail server just before may go twice (ADR 009). */
  workerKills: number[];
}

export interface Verdict {
  violations: Violation[];
  /**
   * Worst (expiry recorded − expires_at) among expiries recorded once the fault began (every offer
   * whose deadline fell inside or after the fault, and those still pending when it began), ms.
   */
  worstLatenessMs: number | null;
  /** Worst (expiry recorded − max(expires_at, recovery)), ms. */
  worstAfterRecoveryMs: number | null;
  expiredDuringOrAfterFault: number;
  counts: Record<string, number>;
  notes: string[];
}

export interface VerifyOptions {
  db: Database;
  client: postgres.Sql;
  ledger: readonly LedgerEntry[];
  mail: MailCounter;
  fault: FaultTimes;
  reconcilerPeriodMs: number;
  allowanceMs: number;
}

const SHOWN = 8;

export async function verify(options: VerifyOptions): Promise<Verdict> {
  const { db, ledger, mail, fault } = options;
  const bound = options.reconcilerPeriodMs + options.allowanceMs;
  const violations: Violation[] = [];
  const notes: string[] = [];
  const add = (check: string, detail: string) => violations.push({ check, detail });

  for (const v of await checkInvariants(options.client, { reconcilerPeriodMs: bound })) {
    add(`invariant ${v.invariant}`, v.detail);
  }

  const [{ now_ms: nowText }] = [
    ...(await db.execute<{ now_ms: string }>(
      sql`SELECT (extract(epoch FROM now()) * 1000)::bigint::text AS now_ms`,
    )),
  ] as [{ now_ms: string }];
  const now = Number(nowText);

  const opportunities = [
    ...(await db.execute<{ id: number; need: string; status: string; accepted_partner_id: number | null }>(
      sql`SELECT id, need, status, accepted_partner_id FROM opportunities ORDER BY id`,
    )),
  ];
  const offers = [
    ...(await db.execute<{
      id: number;
      opportunity_id: number;
      partner_id: number;
      status: string;
      expires_ms: string;
      responded_ms: string | null;
      outcomes: string[];
      outcome_ms: string[];
    }>(sql`
      SELECT f.id, f.opportunity_id, f.partner_id, f.status,
             (extract(epoch FROM f.expires_at) * 1000)::bigint::text AS expires_ms,
             (extract(epoch FROM f.responded_at) * 1000)::bigint::text AS responded_ms,
             coalesce(array_agg(e.kind ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL), '{}') AS outcomes,
             coalesce(array_agg((extract(epoch FROM e.at) * 1000)::bigint::text ORDER BY e.id)
                        FILTER (WHERE e.id IS NOT NULL), '{}') AS outcome_ms
      FROM offers f
      LEFT JOIN opportunity_events e ON e.offer_id = f.id AND e.kind IN ('accepted', 'declined', 'expired', 'withdrawn')
      GROUP BY f.id ORDER BY f.id`)),
  ];
  const offerById = new Map(offers.map((o) => [o.id, o]));

  // --- Leads: acknowledged ones exist once, nothing exists that nobody asked for, legal states.
  const byNeed = new Map<string, typeof opportunities>();
  for (const o of opportunities) byNeed.set(o.need, [...(byNeed.get(o.need) ?? []), o]);
  const creates = ledger.filter((e) => e.intent === 'create');
  const markers = new Set(creates.map((e) => e.marker!));
  for (const entry of creates) {
    const found = byNeed.get(entry.marker!) ?? [];
    if (entry.outcome === 'ok') {
      if (found.length !== 1 || found[0]!.id !== entry.opportunityId) {
        add(
          'lead lost',
          `"${entry.marker}" was acknowledged as opportunity ${entry.opportunityId} but the database has ${found.map((f) => f.id).join(', ') || 'nothing'}`,
        );
      }
    } else if (entry.outcome === 'unknown') {
      if (found.length > 1)
        add('lead created twice', `"${entry.marker}": opportunities ${found.map((f) => f.id).join(', ')}`);
    } else if (found.length > 0) {
      add(
        'refused lead created',
        `"${entry.marker}" was ${entry.outcome} (${entry.status ?? entry.detail}) but opportunity ${found[0]!.id} exists`,
      );
    }
  }
  for (const o of opportunities) {
    if (!markers.has(o.need)) add('lead nobody created', `opportunity ${o.id} ("${o.need}")`);
    if (!['offered', 'accepted', 'unroutable', 'new'].includes(o.status)) {
      add('lead in an unexpected state', `opportunity ${o.id} is ${o.status}`);
    }
  }

  // --- Offers: one outcome each, every outcome backed by the ledger.
  const answers = ledger.filter((e) => e.intent !== 'create');
  const answersByOffer = new Map<number, LedgerEntry[]>();
  for (const a of answers) answersByOffer.set(a.offerId!, [...(answersByOffer.get(a.offerId!) ?? []), a]);
  for (const offer of offers) {
    if (offer.outcomes.length > 1) {
      add('offer with two outcomes', `offer ${offer.id} records ${offer.outcomes.join(' and ')}`);
    }
    const sent = answersByOffer.get(offer.id) ?? [];
    const oks = sent.filter((a) => a.outcome === 'ok');
    if (oks.length > 1) {
      add(
        'offer with two outcomes',
        `offer ${offer.id}: the server confirmed ${oks.map((a) => a.intent).join(' and ')}`,
      );
    }
    for (const intent of ['accept', 'decline'] as const) {
      const status = intent === 'accept' ? 'accepted' : 'declined';
      const mine = sent.filter((a) => a.intent === intent);
      const mayHave = mine.some((a) => a.outcome === 'ok' || a.outcome === 'unknown');
      if (offer.status === status && !mayHave) {
        add(
          `${status} without a request`,
          `offer ${offer.id} is ${status} but the ledger has ${mine.map((a) => a.outcome).join(', ') || 'no such request'}`,
        );
      }
      for (const a of mine.filter((x) => x.outcome === 'ok')) {
        if (offer.status !== status)
          add(`confirmed ${intent} not recorded`, `offer ${offer.id} is ${offer.status}`);
        if (a.startedAt > Number(offer.expires_ms)) {
          add(
            'answer after the deadline accepted',
            `offer ${offer.id}: ${intent} sent ${a.startedAt - Number(offer.expires_ms)} ms after expires_at succeeded`,
          );
        }
      }
    }
    if (
      offer.status === 'accepted' &&
      offer.responded_ms &&
      Number(offer.responded_ms) >= Number(offer.expires_ms)
    ) {
      add('answer after the deadline accepted', `offer ${offer.id} accepted at or after its deadline`);
    }
  }
  for (const a of answers) {
    if (!offerById.has(a.offerId!)) add('answer to a missing offer', `ledger #${a.seq} offer ${a.offerId}`);
    if (a.late && a.outcome === 'ok')
      add('answer after the deadline accepted', `ledger #${a.seq} offer ${a.offerId}`);
  }

  // --- Deadlines: every expiry within the reconciler's period of its deadline, or of recovery.
  let worstLatenessMs: number | null = null;
  let worstAfterRecoveryMs: number | null = null;
  let expiredDuringOrAfterFault = 0;
  for (const offer of offers) {
    const expiresAt = Number(offer.expires_ms);
    const i = offer.outcomes.indexOf('expired');
    if (i >= 0) {
      const expiredAt = Number(offer.outcome_ms[i]);
      const inFault = expiredAt >= fault.startedAt;
      const from = inFault ? Math.max(expiresAt, fault.recoveredAt) : expiresAt;
      if (expiredAt - from > bound) {
        add(
          'deadline missed',
          `offer ${offer.id} expired ${expiredAt - expiresAt} ms after its deadline (${expiredAt - from} ms after ${inFault ? 'recovery or deadline' : 'its deadline'}; bound ${bound} ms)`,
        );
      }
      if (inFault) {
        expiredDuringOrAfterFault++;
        worstLatenessMs = Math.max(worstLatenessMs ?? 0, expiredAt - expiresAt);
        worstAfterRecoveryMs = Math.max(worstAfterRecoveryMs ?? -Infinity, expiredAt - from);
      }
    } else if (offer.status === 'pending') {
      // Still pending now, so it was pending through the fault, or made after it.
      const from = Math.max(expiresAt, fault.recoveredAt);
      if (now - from > bound)
        add(
          'offer stuck past its deadline',
          `offer ${offer.id} pending ${now - expiresAt} ms after expires_at`,
        );
    }
  }

  // --- Email: every event fanned out, every email row sent and arrived once, or skipped and not.
  const rows = [
    ...(await db.execute<{
      id: number;
      audience: string;
      kind: string;
      status: string;
      attempts: number;
      last_error: string | null;
    }>(
      sql`SELECT id::int AS id, audience, kind, status, attempts, last_error FROM notifications ORDER BY id`,
    )),
  ];
  const emailRows = new Map<number, (typeof rows)[number]>();
  let sent = 0;
  let skipped = 0;
  for (const row of rows) {
    if (row.audience !== 'user') {
      if (row.status !== 'fanned_out')
        add('event not fanned out', `notification ${row.id} (${row.kind}) is ${row.status}`);
      continue;
    }
    emailRows.set(row.id, row);
    const arrivals = mail.arrivals.get(row.id) ?? [];
    const resentAfterKill =
      arrivals.length === 2 && fault.workerKills.some((k) => arrivals[0]! <= k && arrivals[0]! > k - 10_000);
    if (row.status === 'sent') {
      sent++;
      if (arrivals.length === 0) add('email lost', `email ${row.id} (${row.kind}) is sent but never arrived`);
      else if (arrivals.length > 1 && !resentAfterKill) {
        add('email sent twice', `email ${row.id} (${row.kind}) arrived ${arrivals.length} times`);
      } else if (resentAfterKill) {
        notes.push(
          `email ${row.id} went twice with one Message-ID: accepted by the mail server just before the worker was killed (ADR 009)`,
        );
      }
    } else if (row.status === 'skipped') {
      skipped++;
      if (!row.last_error) add('email skipped without a reason', `email ${row.id} (${row.kind})`);
      if (
        arrivals.length > 1 ||
        (arrivals.length === 1 && !fault.workerKills.some((k) => arrivals[0]! <= k))
      ) {
        add(
          'skipped email arrived',
          `email ${row.id} (${row.kind}) is skipped but arrived ${arrivals.length} times`,
        );
      }
    } else {
      add(
        'email lost',
        `email ${row.id} (${row.kind}) is ${row.status} after ${row.attempts} tries: ${row.last_error ?? ''}`,
      );
    }
  }
  for (const [id, arrivals] of mail.arrivals) {
    if (!emailRows.has(id))
      add('email nobody recorded', `message for notification ${id} arrived ${arrivals.length} times`);
  }
  if (mail.strangers > 0)
    add('email nobody recorded', `${mail.strangers} messages without a notification Message-ID`);

  const byOutcome = (intent: string, outcome: string) =>
    ledger.filter((e) => e.intent === intent && e.outcome === outcome).length;
  const counts: Record<string, number> = {
    operations: ledger.length,
    created: byOutcome('create', 'ok'),
    createUnknown: byOutcome('create', 'unknown'),
    createNotDelivered: byOutcome('create', 'not_delivered'),
    accepted: byOutcome('accept', 'ok'),
    declined: byOutcome('decline', 'ok'),
    answersRefused: answers.filter((a) => a.outcome === 'refused').length,
    answersUnknown: answers.filter((a) => a.outcome === 'unknown').length,
    answersNotDelivered: answers.filter((a) => a.outcome === 'not_delivered').length,
    lateAnswers: answers.filter((a) => a.late).length,
    expired: offers.filter((o) => o.status === 'expired').length,
    offers: offers.length,
    leads: opportunities.length,
    unroutable: opportunities.filter((o) => o.status === 'unroutable').length,
    emailsSent: sent,
    emailsSkipped: skipped,
    emailsArrived: mail.total,
  };
  return {
    violations,
    worstLatenessMs,
    worstAfterRecoveryMs,
    expiredDuringOrAfterFault,
    counts,
    notes,
  };
}

/** The first few violations of each kind, for the failure message. */
export function describeViolations(violations: readonly Violation[]): string {
  const byCheck = new Map<string, string[]>();
  for (const v of violations) byCheck.set(v.check, [...(byCheck.get(v.check) ?? []), v.detail]);
  return [...byCheck]
    .map(([check, details]) => {
      const shown = details.slice(0, SHOWN).map((d) => `    ${d}`);
      if (details.length > SHOWN) shown.push(`    … and ${details.length - SHOWN} more`);
      return `  ${check} (${details.length}):\n${shown.join('\n')}`;
    })
    .join('\n');
}
