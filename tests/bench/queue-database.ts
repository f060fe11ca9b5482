import postgres from 'postgres';
import { checkInvariants } from '../../db/check-invariants';
import { createBenchDatabase, databaseExists, withDatabaseName } from './bench-database';
import { generateQueueData, queueDataSizes, type QueueDataSizes } from './queue-data';

export interface QueueDatabaseOptions {
  serverUrl: string;
  name: string;
  opportunities: number;
  /** Keep the database of an earlier run instead of building it again (when it exists). */
  reuse: boolean;
  /** Run db/check-invariants.ts on the built data. */
  check: boolean;
}

export interface QueueDatabaseBuild extends QueueDataSizes {
  build_s: number;
  invariants: string;
  check_s: number;
  vacuum_analyze_s: number;
}

const round = (value: number) => Math.round(value * 10) / 10;

/**
 * The 1M-opportunity data set of tests/bench/queue-data.ts in a database of its own: built from
 * scratch (set-based, a few minutes), or reused from an earlier run. `build` is null when reused.
 */
export async function prepareQueueDatabase(
  options: QueueDatabaseOptions,
): Promise<{ url: string; build: QueueDatabaseBuild | null }> {
  if (options.reuse && (await databaseExists(options.serverUrl, options.name))) {
    return { url: withDatabaseName(options.serverUrl, options.name), build: null };
  }
  const url = await createBenchDatabase(options.serverUrl, options.name);
  const sizes = queueDataSizes(options.opportunities);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const buildStarted = performance.now();
    await generateQueueData(admin, sizes);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    let invariants = 'skipped';
    let checkSeconds = 0;
    if (options.check) {
      const checkStarted = performance.now();
      const violations = await checkInvariants(admin, { reconcilerPeriodMs: 30_000 });
      checkSeconds = (performance.now() - checkStarted) / 1000;
      for (const v of violations.slice(0, 20)) console.error(`invariant ${v.invariant}: ${v.detail}`);
      invariants = violations.length === 0 ? 'hold' : `${violations.length} violations`;
    }
    // Index-only scans of the counts need an up-to-date visibility map, as autovacuum keeps it.
    const vacuumStarted = performance.now();
    await admin.unsafe('VACUUM ANALYZE');
    const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
    return {
      url,
      build: {
        ...sizes,
        build_s: round(buildSeconds),
        invariants,
        check_s: round(checkSeconds),
        vacuum_analyze_s: round(vacuumSeconds),
      },
    };
  } finally {
    await admin.end();
  }
}
