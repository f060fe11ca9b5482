import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import {
  getRoutingQueue,
  queueQuerySchema,
  QUEUE_STATUSES,
  type QueueQuery,
  type QueueStatus,
  type RoutingQueue,
} from '../../app/models/routing-queue.server';
import { createDatabase } from '../../db/client';
import { ensurePostgres } from '../../db/local-services';
import * as schema from '../../db/schema';
import { prepareQueueDatabase } from './queue-database';
import { QUEUE_SEARCH_WORDS } from './queue-data';

/**
 * `npm run bench:queue`: the channel managers' routing queue (app/models/routing-queue.server.ts)
 * on BENCH_OPPORTUNITIES leads (default 1,000,000, with 10,000 partners and 200,000 customers).
 * Every realistic query, each run up to BENCH_RUNS times; p50 above SLOW_MS is flagged.
 * BENCH_EXPLAIN=1 prints EXPLAIN (ANALYZE, BUFFERS) of every statement of the slow cases;
 * BENCH_REUSE=1 keeps the database of the previous run instead of building it again.
 */
const OPPORTUNITIES = Number(process.env.BENCH_OPPORTUNITIES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
/** A case that is slow anyway stops repeating after this long: the bench stays within minutes. */
const CASE_BUDGET_MS = Number(process.env.BENCH_CASE_BUDGET_MS ?? 4_000);
const SLOW_MS = 50;
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const REUSE = process.env.BENCH_REUSE === '1';
const CHECK = process.env.BENCH_CHECK_INVARIANTS !== '0';
const DATABASE = 'baton_bench_queue';

const server = await ensurePostgres('.data/bench', 'postgres');
const { url, build } = await prepareQueueDatabase({
  serverUrl: server.url,
  name: DATABASE,
  opportunities: OPPORTUNITIES,
  reuse: REUSE,
  check: CHECK,
});
if (build) console.log(JSON.stringify({ bench: 'queue-data', ...build }));

const database = createDatabase(url, { max: 4 });
const client = database.client;
const stats = await client`
  SELECT
    (SELECT count(*)::int FROM opportunities) AS opportunities,
    (SELECT count(*)::int FROM offers) AS offers,
    (SELECT count(*)::int FROM offers WHERE status = 'pending') AS pending,
    (SELECT count(*)::int FROM opportunity_events) AS events,
    (SELECT pg_size_pretty(pg_database_size(current_database()))) AS size`;
console.log(JSON.stringify({ bench: 'queue-data-stats', ...stats[0] }));

// Filter values as a channel manager would choose them: a busy and a rare one of each.
const [busyPartner] = await client`
  SELECT partner_id AS id, count(*)::int AS n FROM offers WHERE status = 'pending'
  GROUP BY partner_id ORDER BY count(*) DESC, partner_id LIMIT 1`;
const [rarePartner] = await client`
  SELECT partner_id AS id, count(*)::int AS n FROM offers WHERE status = 'pending'
  GROUP BY partner_id ORDER BY count(*), partner_id DESC LIMIT 1`;
const [countries] = await client`
  SELECT (array_agg(country ORDER BY n DESC))[1] AS busy, (array_agg(country ORDER BY n))[1] AS rare
  FROM (SELECT country, count(*) AS n FROM opportunities GROUP BY country) c`;
const [campaignIds] = await client`
  SELECT (array_agg(campaign_id ORDER BY n DESC))[1] AS busy, (array_agg(campaign_id ORDER BY n))[1] AS rare
  FROM (SELECT campaign_id, count(*) AS n FROM opportunities WHERE campaign_id IS NOT NULL GROUP BY campaign_id) c`;
const [pendingLead] = await client`
  SELECT opportunity_id AS id FROM offers WHERE status = 'pending' ORDER BY expires_at, id
  OFFSET (SELECT count(*) / 2 FROM offers WHERE status = 'pending') LIMIT 1`;
console.log(
  JSON.stringify({
    bench: 'queue-filters',
    busyPartner,
    rarePartner,
    countries,
    campaigns: campaignIds,
    pendingLead,
  }),
);

type Params = Record<string, string>;
const filters: [string, Params][] = [
  ['country busy', { country: String(countries!.busy) }],
  ['country rare', { country: String(countries!.rare) }],
  ['partner busy', { partner: String(busyPartner!.id) }],
  ['partner rare', { partner: String(rarePartner!.id) }],
  ['productLine', { productLine: 'security' }],
  ['campaign busy', { campaign: String(campaignIds!.busy) }],
  ['campaign rare', { campaign: String(campaignIds!.rare) }],
  ['q number', { q: `#${String(pendingLead!.id)}` }],
  ['q need common', { q: QUEUE_SEARCH_WORDS.commonNeedWord }],
  ['q need rare', { q: QUEUE_SEARCH_WORDS.rareNeedWord }],
  ['q customer fragment', { q: QUEUE_SEARCH_WORDS.customerFragment }],
  ['q customer name', { q: QUEUE_SEARCH_WORDS.customerName }],
  ['q no match', { q: 'zebra crossing' }],
];
const combined: [string, Params][] = [
  ['country+productLine', { country: String(countries!.busy), productLine: 'storage' }],
  ['country+q', { country: String(countries!.busy), q: QUEUE_SEARCH_WORDS.commonNeedWord }],
  ['partner+productLine', { partner: String(busyPartner!.id), productLine: 'security' }],
  ['campaign+country', { campaign: String(campaignIds!.busy), country: String(countries!.busy) }],
  ['productLine+q customer', { productLine: 'cloud', q: QUEUE_SEARCH_WORDS.customerFragment }],
];

const parse = (params: Params): QueueQuery => queueQuerySchema.parse(params);
const statusOrAll = [undefined, ...QUEUE_STATUSES] as const;

interface Case {
  name: string;
  status: QueueStatus | 'all' | 'counts';
  params: Params | null;
}
const cases: Case[] = [{ name: 'counts only', status: 'counts', params: null }];
for (const status of statusOrAll) {
  const base: Params = status ? { status } : {};
  cases.push({ name: 'no filter', status: status ?? 'all', params: base });
  for (const [name, params] of [...filters, ...combined]) {
    cases.push({ name, status: status ?? 'all', params: { ...base, ...params } });
  }
}

/** The list a status shows, for walking its `next` cursors. */
function listOf(queue: RoutingQueue, status: QueueStatus) {
  if (status === 'pending' || status === 'expiring') return queue.pendingOffers;
  return status === 'unroutable' ? queue.unroutable : queue.recentEndings;
}

/** The `after` of page `pageNumber` of a list, by following its cursors; null past the end. */
async function cursorOfPage(params: Params, status: QueueStatus, pageNumber: number) {
  let after: string | null = null;
  for (let pageIndex = 1; pageIndex < pageNumber; pageIndex++) {
    const query = parse(after ? { ...params, status, after } : { ...params, status });
    after = listOf(await getRoutingQueue(database.db, new Date(), query), status)?.next ?? null;
    if (!after) return null;
  }
  return after;
}
for (const status of QUEUE_STATUSES) {
  for (const [name, params] of [['no filter', {}] as [string, Params], filters[0]!, filters[4]!]) {
    for (const pageNumber of [2, 20]) {
      const after = await cursorOfPage(params, status, pageNumber);
      if (after)
        cases.push({ name: `${name} page ${pageNumber}`, status, params: { ...params, status, after } });
    }
  }
}

function round(value: number) {
  return Math.round(value * 10) / 10;
}

function rowsOf(queue: RoutingQueue) {
  return (
    (queue.pendingOffers?.rows.length ?? 0) +
    (queue.unroutable?.rows.length ?? 0) +
    (queue.recentEndings?.rows.length ?? 0)
  );
}

interface Result {
  name: string;
  status: string;
  runs: number;
  p50: number;
  max: number;
  rows: number;
  params: Params | null;
}
const results: Result[] = [];
for (const benchCase of cases) {
  const query = benchCase.params === null ? null : parse(benchCase.params);
  const times: number[] = [];
  let rows = 0;
  const caseStarted = performance.now();
  // One untimed run first: the first plan of a statement and cold pages are not what users see.
  await getRoutingQueue(database.db, new Date(), query);
  while (times.length < RUNS && (times.length < 3 || performance.now() - caseStarted < CASE_BUDGET_MS)) {
    const started = performance.now();
    const queue = await getRoutingQueue(database.db, new Date(), query);
    times.push(performance.now() - started);
    rows = rowsOf(queue);
  }
  times.sort((a, b) => a - b);
  const result: Result = {
    name: benchCase.name,
    status: benchCase.status,
    runs: times.length,
    p50: round(times[Math.floor((times.length - 1) / 2)]!),
    max: round(times[times.length - 1]!),
    rows,
    params: benchCase.params,
  };
  results.push(result);
  console.log(
    JSON.stringify({
      bench: 'queue',
      case: result.name,
      status: result.status,
      runs: result.runs,
      p50_ms: result.p50,
      max_ms: result.max,
      rows: result.rows,
      slow: result.p50 > SLOW_MS,
    }),
  );
}

const slow = results.filter((r) => r.p50 > SLOW_MS);
console.log(
  `\n${'case'.padEnd(44)}${'status'.padEnd(12)}${'p50 ms'.padStart(9)}${'max ms'.padStart(9)}  rows`,
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(44)}${r.status.padEnd(12)}${r.p50.toFixed(1).padStart(9)}${r.max.toFixed(1).padStart(9)}  ${String(r.rows).padStart(4)}${r.p50 > SLOW_MS ? '  SLOW' : ''}`,
  );
}
const p50s = results.map((r) => r.p50).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'queue-summary',
    opportunities: OPPORTUNITIES,
    cases: results.length,
    slow: slow.length,
    worst_p50_ms: p50s[p50s.length - 1],
    median_p50_ms: p50s[Math.floor((p50s.length - 1) / 2)],
  }),
);

if (EXPLAIN && slow.length > 0) {
  // The same model on a connection that records each statement, then each one explained.
  const statements: { text: string; parameters: unknown[] }[] = [];
  const recorder = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, text, parameters) => {
      if (/^\s*select/i.test(text)) statements.push({ text, parameters: parameters as unknown[] });
    },
  });
  const recordedDb = drizzle(recorder, { schema });
  for (const r of slow) {
    statements.length = 0;
    await getRoutingQueue(recordedDb, new Date(), r.params === null ? null : parse(r.params));
    console.log(`\n=== ${r.name} (${r.status}): p50 ${r.p50} ms, ${statements.length} statements`);
    for (const statement of statements) {
      const plan = await recorder.unsafe(
        `EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`,
        statement.parameters as postgres.ParameterOrJSON<never>[],
      );
      console.log(`--- ${statement.text}\n    ${JSON.stringify(statement.parameters)}`);
      for (const line of plan) console.log(String(line['QUERY PLAN']));
    }
  }
  await recorder.end();
}

await database.close();
await server.stop();
