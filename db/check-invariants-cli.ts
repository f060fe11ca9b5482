import { CHECKS, checkInvariants } from './check-invariants';

/** `npm run check:invariants`: exits 1 when the data breaks a promise of the routing loop. */
const url = process.env.DATABASE_URL;
if (!url || !/^postgres(ql)?:\/\//.test(url)) {
  console.error(
    'DATABASE_URL must name the Postgres database to check, e.g. postgres://postgres@127.0.0.1:5432/baton',
  );
  process.exit(2);
}
const periodText = process.env.RECONCILE_EVERY_MS ?? '30000';
const reconcilerPeriodMs = Number(periodText);
if (!Number.isInteger(reconcilerPeriodMs) || reconcilerPeriodMs < 1) {
  console.error(`RECONCILE_EVERY_MS must be a whole number of milliseconds, not "${periodText}"`);
  process.exit(2);
}

const violations = await checkInvariants(url, { reconcilerPeriodMs });
for (const v of violations) console.log(`${v.invariant}: ${v.detail}`);
if (violations.length > 0) {
  const broken = new Set(violations.map((v) => v.invariant)).size;
  const count = violations.length === 1 ? '1 violation' : `${violations.length} violations`;
  console.error(`${broken} of ${CHECKS.length} invariants broken (${count})`);
  process.exit(1);
}
console.log(`all invariants hold (${CHECKS.length} checks)`);
