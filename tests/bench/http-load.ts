import autocannon, { type Client } from 'autocannon';
import postgres from 'postgres';
import { createDatabase } from '../../db/client';
import { systemClock } from '../../app/domain/clock';
import { hashPassword } from '../../app/utils/password.server';
import { createSession } from '../../app/utils/session.server';
import { cpuSecondsOf, machineCpu } from './processes';
import { QUEUE_SEARCH_WORDS } from './queue-data';

export type PageKind = 'inbox' | 'queue';

/** A signed-in user of the load test and the page it asks for again and again. */
export interface BenchUser {
  kind: PageKind;
  email: string;
  path: string;
  /** The raw session token of its cookie. */
  token: string;
  /** A partner rep's: how many pending offers the partner has. */
  pendingOffers: number | null;
}

/**
 * `reps` partner reps of busy partners (the busiest quarter, from the top down at even steps) and
 * `managers` channel managers, each with a session made the way sign-in makes it
 * (`createSession`). The managers' queue pages are a mix of what managers filter by: nothing,
 * a status, a country, a partner, a product line, a search. Users are kept between runs.
 */
export async function createBenchUsers(
  url: string,
  counts: { reps: number; managers: number },
): Promise<BenchUser[]> {
  const database = createDatabase(url, { max: 2 });
  const sql = database.client;
  try {
    // The busy quarter of the partners, from the busiest down at even steps: the longest
    // inboxes and more ordinary ones (a few dozen offers).
    const ranked = await sql`
      SELECT partner_id AS id, count(*)::int AS pending FROM offers WHERE status = 'pending'
      GROUP BY partner_id ORDER BY count(*) DESC, partner_id`;
    const busyQuarter = Math.max(counts.reps, Math.floor(ranked.length / 4));
    const step = busyQuarter / Math.max(1, counts.reps);
    const busiest = Array.from(
      { length: Math.min(counts.reps, ranked.length) },
      (_, i) => ranked[Math.floor(i * step)]!,
    );
    const [filters] = await sql`
      SELECT
        (SELECT country FROM opportunities GROUP BY country ORDER BY count(*) DESC, country LIMIT 1) AS busy_country,
        (SELECT country FROM opportunities GROUP BY country ORDER BY count(*), country LIMIT 1) AS rare_country,
        (SELECT opportunity_id FROM offers WHERE status = 'pending' ORDER BY id DESC LIMIT 1) AS pending_lead`;
    const busyPartner = busiest[0]?.id as number | undefined;
    const queuePaths = [
      '/queue',
      '/queue?status=pending',
      '/queue?status=expiring',
      '/queue?status=unroutable',
      '/queue?status=ended',
      `/queue?country=${filters!.busy_country}`,
      `/queue?status=pending&country=${filters!.rare_country}`,
      ...(busyPartner ? [`/queue?partner=${busyPartner}`, `/queue?status=ended&partner=${busyPartner}`] : []),
      '/queue?productLine=security',
      `/queue?q=${encodeURIComponent(QUEUE_SEARCH_WORDS.commonNeedWord)}`,
      `/queue?q=${encodeURIComponent(QUEUE_SEARCH_WORDS.customerFragment)}`,
      `/queue?q=${encodeURIComponent(`#${filters!.pending_lead}`)}`,
    ];

    // One hash for all: nobody signs in with a password here, but every row looks like a real one.
    const passwordHash = await hashPassword('bench-users-do-not-sign-in');
    const wanted = [
      ...busiest.map((p) => ({
        email: `bench-rep-${p.id}@bench.test`,
        role: 'partner_rep',
        partnerId: p.id as number,
        kind: 'inbox' as const,
        path: '/inbox',
        pendingOffers: p.pending as number,
      })),
      ...Array.from({ length: counts.managers }, (_, i) => ({
        email: `bench-manager-${i + 1}@bench.test`,
        role: 'channel_manager',
        partnerId: null,
        kind: 'queue' as const,
        path: queuePaths[i % queuePaths.length]!,
        pendingOffers: null,
      })),
    ];
    const users: BenchUser[] = [];
    const deps = { db: database.db, clock: systemClock };
    for (const user of wanted) {
      await sql`
        INSERT INTO users (email, name, role, partner_id, password_hash, timezone)
        VALUES (${user.email}, ${`Bench ${user.role.replace('_', ' ')}`}, ${user.role}, ${user.partnerId},
                ${passwordHash}, 'Europe/Berlin')
        ON CONFLICT DO NOTHING`;
      const [row] = await sql`SELECT id FROM users WHERE lower(email) = lower(${user.email})`;
      const { token } = await createSession(row!.id as number, deps);
      users.push({
        kind: user.kind,
        email: user.email,
        path: user.path,
        token,
        pendingOffers: user.pendingOffers,
      });
    }
    return users;
  } finally {
    await database.close();
  }
}

/** Every cookie name the session may have: `__Host-` in production, plain elsewhere. */
function cookieOf(user: BenchUser): string {
  return `__Host-baton_session=${user.token}; baton_session=${user.token}`;
}

/**
 * Asks every user's page once, as a browser's document request; fails unless each answers 200
 * with the page (not the sign-in form). Also warms the server up.
 */
export async function checkPages(
  baseUrl: string,
  users: BenchUser[],
  serverLog: () => string = () => '',
): Promise<Record<PageKind, number>> {
  const bytes: Record<PageKind, number> = { inbox: 0, queue: 0 };
  for (const user of users) {
    const response = await fetch(baseUrl + user.path, {
      headers: { cookie: cookieOf(user), accept: 'text/html' },
      redirect: 'manual',
    });
    const body = await response.text();
    if (response.status !== 200) {
      const logged = serverLog()
        .split('\n')
        .filter((line) => /error/i.test(line))
        .slice(-2)
        .join(' / ');
      const said = response.status >= 500 ? logged : body.slice(0, 300);
      throw new Error(`${user.email} GET ${user.path}: status ${response.status}: ${said}`);
    }
    const heading = user.kind === 'inbox' ? '<h1>Inbox</h1>' : '<h1>Routing queue</h1>';
    if (!body.includes(heading)) throw new Error(`${user.email} GET ${user.path}: no ${heading} in the page`);
    bytes[user.kind] = Math.max(bytes[user.kind], body.length);
  }
  return bytes;
}

export interface LatencyStats {
  requests: number;
  per_s: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  /** Timeouts and connection errors. */
  errors: number;
  non_2xx: number;
}

export interface HttpLoadResult {
  connections: number;
  seconds: number;
  /** Share of all the machine's cores busy during the run (anyone's work). */
  machine_cpu_busy: number;
  /** CPU seconds the bench's own process (autocannon) used per second of the run. */
  client_cpu_share: number;
  /** CPU seconds the web server used per second of the run (1 = one core busy all along). */
  web_cpu_share: number | null;
  web_cpu_ms_per_page: number | null;
  /** Pages each user asks for per second (null: as fast as the server answers). */
  pages_per_second: number | null;
  pages: Record<PageKind, LatencyStats>;
  /** Per distinct page address (the queue's filters). */
  paths: Record<string, LatencyStats>;
  total: LatencyStats;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! * 10) / 10;
}

class Recorder {
  readonly times: number[] = [];
  errors = 0;
  non2xx = 0;
  stats(seconds: number): LatencyStats {
    const sorted = [...this.times].sort((a, b) => a - b);
    return {
      requests: sorted.length,
      per_s: Math.round((sorted.length / seconds) * 10) / 10,
      p50_ms: percentile(sorted, 0.5),
      p95_ms: percentile(sorted, 0.95),
      p99_ms: percentile(sorted, 0.99),
      max_ms: percentile(sorted, 1),
      errors: this.errors,
      non_2xx: this.non2xx,
    };
  }
}

/**
 * One connection per user, all at once, each asking for its own page as a signed-in browser
 * would (a document GET) again and again for `seconds`. Without `pagesPerSecond`, as soon as the
 * previous answer is in (one autocannon run with a connection per user: a stress test). With
 * it, each user asks that many times a second, the users' clocks spread evenly over the second
 * (one single-connection autocannon run per user, started 1/n s apart: one run's connections
 * would all ask at the same instant each second). Latencies are kept per page and per address.
 */
export async function runHttpLoad(
  baseUrl: string,
  users: BenchUser[],
  options: {
    seconds: number;
    pagesPerSecond?: number;
    timeoutS?: number;
    /** The web server's processes, whose CPU time is measured over the run. */
    serverPids?: () => number[];
  },
): Promise<HttpLoadResult> {
  const byKind: Record<PageKind, Recorder> = { inbox: new Recorder(), queue: new Recorder() };
  const byPath = new Map<string, Recorder>();
  const total = new Recorder();
  const userOf = new WeakMap<Client, BenchUser>();
  const recordersOf = (client: Client) => {
    const user = userOf.get(client);
    if (!user) return [total];
    return [total, byKind[user.kind], byPath.get(user.path)!];
  };
  for (const user of users) if (!byPath.has(user.path)) byPath.set(user.path, new Recorder());

  const launch = (group: BenchUser[]) => {
    let next = 0;
    const instance = autocannon({
      url: baseUrl,
      connections: group.length,
      duration: options.seconds,
      timeout: options.timeoutS ?? 10,
      ...(options.pagesPerSecond ? { connectionRate: options.pagesPerSecond } : {}),
      setupClient: (client: Client) => {
        const user = group[next++ % group.length]!;
        userOf.set(client, user);
        client.setRequests([
          {
            method: 'GET',
            path: user.path,
            headers: { cookie: cookieOf(user), accept: 'text/html' },
          },
        ]);
        const error = () => {
          for (const recorder of recordersOf(client)) recorder.errors++;
        };
        const emitter = client as unknown as NodeJS.EventEmitter;
        emitter.on('timeout', error);
        emitter.on('connError', error);
      },
    });
    (instance as unknown as autocannon.Instance).on(
      'response',
      (client: Client, statusCode: number, _bytes: number, responseTime: number) => {
        for (const recorder of recordersOf(client)) {
          recorder.times.push(responseTime);
          if (statusCode < 200 || statusCode > 299) recorder.non2xx++;
        }
      },
    );
    return instance;
  };

  const cpuBefore = options.serverPids ? cpuSecondsOf(options.serverPids()) : null;
  const machineBefore = machineCpu();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  if (options.pagesPerSecond) {
    const spacingMs = 1000 / options.pagesPerSecond / users.length;
    await Promise.all(
      users.map(async (user, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * spacingMs));
        await launch([user]);
      }),
    );
  } else {
    await launch(users);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuBefore === null ? null : cpuSecondsOf(options.serverPids!()) - cpuBefore;
  const machineAfter = machineCpu();
  const client = process.cpuUsage(clientBefore);
  const seconds = Math.min(elapsed, options.seconds + 1);
  return {
    machine_cpu_busy:
      Math.round(
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100,
      ) / 100,
    client_cpu_share: Math.round(((client.user + client.system) / 1e6 / elapsed) * 100) / 100,
    web_cpu_share: cpu === null ? null : Math.round((cpu / elapsed) * 100) / 100,
    web_cpu_ms_per_page:
      cpu === null || total.times.length === 0
        ? null
        : Math.round(((cpu * 1000) / total.times.length) * 10) / 10,
    connections: users.length,
    seconds: Math.round(options.seconds * 10) / 10,
    pages_per_second: options.pagesPerSecond ?? null,
    pages: { inbox: byKind.inbox.stats(seconds), queue: byKind.queue.stats(seconds) },
    paths: Object.fromEntries([...byPath].map(([path, recorder]) => [path, recorder.stats(seconds)])),
    total: total.stats(seconds),
  };
}

/** Ends the bench users' sessions (their rows stay, for the next run to reuse). */
export async function endBenchSessions(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'bench-%@bench.test')`;
  } finally {
    await sql.end();
  }
}
