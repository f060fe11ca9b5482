import type { ScenarioResult } from './scenario';

const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(2)} s`);

/** The table the issue asks for (scenario, operations, violations, worst lateness), then the facts. */
export function formatTable(
  results: readonly ScenarioResult[],
  limits: { reconcilerPeriodMs: number; allowanceMs: number },
): string {
  const header = [
    'scenario',
    'operations',
    'violations',
    'worst lateness',
    'after recovery',
    'crashes',
    'time',
  ];
  const rows = results.map((r) => [
    r.name,
    String(r.verdict.counts.operations ?? 0),
    String(r.verdict.violations.length),
    seconds(r.verdict.worstLatenessMs),
    seconds(r.verdict.worstAfterRecoveryMs),
    String(r.crashes),
    `${r.seconds.toFixed(0)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [
    '',
    `Fault scenarios (reconciler period ${limits.reconcilerPeriodMs / 1000} s; a deadline must be met within ` +
      `${(limits.reconcilerPeriodMs + limits.allowanceMs) / 1000} s of itself or of the recovery, whichever is later)`,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    'worst lateness: the latest expiry recorded once the fault began, after its deadline;',
    'after recovery: the same, counted from the later of the deadline and the recovery;',
    'crashes: web or worker exits the scenario did not cause (restarted at once, as a process manager would).',
  ];
  for (const r of results) {
    const c = r.verdict.counts;
    out.push(
      '',
      `${r.name}:`,
      `  ledger: ${c.created} leads acknowledged (${c.createUnknown} unknown, ${c.createNotDelivered} not delivered), ` +
        `${c.accepted} accepts and ${c.declined} declines confirmed, ${c.answersRefused} answers refused ` +
        `(${c.lateAnswers} sent after the deadline), ${c.answersUnknown} unknown, ${c.answersNotDelivered} not delivered`,
      `  database: ${c.leads} leads (${c.unroutable} unroutable), ${c.offers} offers, ${c.expired} expired ` +
        `(${r.verdict.expiredDuringOrAfterFault} once the fault began); emails: ${c.emailsSent} sent, ` +
        `${c.emailsSkipped} skipped, ${c.emailsArrived} messages arrived`,
      ...r.facts.map((f) => `  ${f.replace(/\n/g, '\n    ')}`),
      ...r.verdict.notes.map((n) => `  note: ${n}`),
    );
  }
  return out.join('\n');
}

export function printTable(
  results: readonly ScenarioResult[],
  limits: { reconcilerPeriodMs: number; allowanceMs: number },
): void {
  if (results.length === 0) return;
  console.log(formatTable(results, limits));
}
