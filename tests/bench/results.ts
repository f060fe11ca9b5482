import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One measured figure: one JSON line in bench/results.jsonl and one row of bench/RESULTS.md. */
export interface Figure {
  figure: string;
  /** null when it could not be measured (see `error`). */
  value: number | null;
  unit: string;
  /** null for a figure that is reported without a goal. */
  goal: number | null;
  goal_op: '<=' | '>=' | null;
  /** null without a goal; false when the figure could not be measured. */
  met: boolean | null;
  /** What the row says in a few words. */
  label: string;
  error?: string;
  [detail: string]: unknown;
}

export function figure(
  name: string,
  label: string,
  value: number | null,
  unit: string,
  goal: { op: '<=' | '>='; value: number } | null,
  details: Record<string, unknown> = {},
): Figure {
  const met =
    goal === null
      ? null
      : value === null
        ? false
        : goal.op === '<='
          ? value <= goal.value
          : value >= goal.value;
  return {
    figure: name,
    value,
    unit,
    goal: goal?.value ?? null,
    goal_op: goal?.op ?? null,
    met,
    label,
    ...details,
  };
}

/** The figures of a phase that failed: each one unmeasured, with the error. */
export function failedFigures(
  names: { name: string; label: string; unit: string; goal: { op: '<=' | '>='; value: number } | null }[],
  error: unknown,
): Figure[] {
  const message = error instanceof Error ? error.message : String(error);
  return names.map((n) => ({
    ...figure(n.name, n.label, null, n.unit, n.goal),
    met: n.goal ? false : null,
    error: message.slice(0, 500),
  }));
}

export class ResultsFile {
  readonly jsonlPath: string;
  readonly markdownPath: string;
  readonly figures: Figure[] = [];

  constructor(
    directory: string,
    private readonly context: Record<string, unknown>,
  ) {
    mkdirSync(directory, { recursive: true });
    this.jsonlPath = path.join(directory, 'results.jsonl');
    this.markdownPath = path.join(directory, 'RESULTS.md');
  }

  /** Appends each figure to results.jsonl at once (a later failure loses nothing) and prints it. */
  add(...figures: Figure[]): void {
    for (const f of figures) {
      this.figures.push(f);
      const line = JSON.stringify({ ...f, ...this.context });
      appendFileSync(this.jsonlPath, `${line}\n`);
      console.log(JSON.stringify(f));
    }
  }

  /** Writes RESULTS.md as the project's Prettier would format it (tables aligned). */
  async writeMarkdown(markdown: string): Promise<void> {
    let text = markdown;
    try {
      const prettier = await import('prettier');
      const options = (await prettier.resolveConfig(this.markdownPath)) ?? {};
      text = await prettier.format(markdown, { ...options, parser: 'markdown' });
    } catch (error) {
      console.error(`RESULTS.md left unformatted: ${String(error)}`);
    }
    writeFileSync(this.markdownPath, text);
  }
}

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
export const formatNumber = (value: number | null | undefined) =>
  value === null || value === undefined || Number.isNaN(value) ? '–' : numberFormat.format(value);

export function formatValue(f: Figure): string {
  if (f.value === null) return 'not measured';
  return f.unit === 'ratio' || f.unit === 'count'
    ? formatNumber(f.value)
    : `${formatNumber(f.value)} ${f.unit}`;
}

export function formatGoal(f: Figure): string {
  if (f.goal === null) return '–';
  const op = f.goal_op === '<=' ? '≤' : '≥';
  return f.unit === 'ratio' || f.unit === 'count'
    ? `${op} ${formatNumber(f.goal)}`
    : `${op} ${formatNumber(f.goal)} ${f.unit}`;
}

export function formatMet(f: Figure): string {
  if (f.met === null) return '–';
  return f.met ? 'yes' : '**no**';
}

/** A Markdown table; cells are escaped for pipes. */
export function table(header: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const cell = (value: string | number) => String(value).replace(/\|/g, '\\|');
  const rule = header.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [header, rule, ...rows.map((r) => r.map(cell))].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
