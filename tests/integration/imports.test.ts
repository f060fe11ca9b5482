import { count, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { parseCsvAll } from '../../app/domain/imports/csv';
import { createImport, startImport } from '../../app/domain/imports/imports.server';
import { autoMapping, type ColumnMapping, type ImportKind } from '../../app/domain/imports/kinds';
import { runImport, type ReportEntry } from '../../app/domain/imports/run-import.server';
import { isDomainError } from '../../app/domain/errors';
import type { LoopDeps } from '../../app/domain/routing/loop.server';
import {
  campaignAccounts,
  campaigns,
  contacts,
  customers,
  imports,
  offers,
  opportunities,
  opportunityEvents,
} from '../../db/schema';
import type * as ImportsRoute from '../../app/routes/imports._index';
import type * as ImportRoute from '../../app/routes/imports.$importId';
import type * as RejectedRoute from '../../app/routes/imports.$importId.rejected[.csv]';
import { startWorker, type RunningWorker } from '../../workers/start-worker';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let deps: LoopDeps;
let userId: number;
const clock = new ManualClock(Date.now());
const utf8 = (text: string) => new TextEncoder().encode(text);

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  userId = (await makeUser(database.db, { role: 'campaign_coordinator' })).id;
});
afterAll(async () => {
  await database.drop();
});

/** Uploads a file, confirms the mapping (by header names unless given) and runs the import. */
async function importFile(
  kind: ImportKind,
  text: string | Uint8Array,
  options: { mode?: 'all_or_nothing' | 'valid_rows'; columns?: ColumnMapping; campaignId?: number } = {},
) {
  const bytes = typeof text === 'string' ? utf8(text) : text;
  const { importId } = await createImport(database.db, { kind, fileName: 'upload.csv', bytes, userId });
  const [header] = await parseCsvAll(bytes);
  const started = await startImport(database.db, {
    importId,
    columns: options.columns ?? autoMapping(kind, header!.fields),
    mode: options.mode ?? 'all_or_nothing',
    campaignId: options.campaignId ?? null,
  });
  if (!started.ok) throw new Error(`not started: ${JSON.stringify(started)}`);
  const outcome = await runImport(deps, importId);
  const [row] = await database.db.select().from(imports).where(eq(imports.id, importId));
  return { importId, outcome, row: row!, report: row!.report as ReportEntry[] };
}

/** A file stored as uploaded and queued straight away, skipping the upload's own checks. */
async function queuedImport(kind: ImportKind, bytes: Uint8Array, mapping: Record<string, string>) {
  const [row] = await database.db
    .insert(imports)
    .values({
      kind,
      status: 'queued',
      fileName: 'raw.csv',
      file: Buffer.from(bytes),
      mapping,
      createdByUserId: userId,
    })
    .returning({ id: imports.id });
  return row!.id;
}

async function tableCounts() {
  const countOf = async (
    table: typeof customers | typeof contacts | typeof opportunities | typeof campaignAccounts,
  ) => (await database.db.select({ n: count() }).from(table))[0]!.n;
  return {
    customers: await countOf(customers),
    contacts: await countOf(contacts),
    opportunities: await countOf(opportunities),
    campaignAccounts: await countOf(campaignAccounts),
  };
}

const CUSTOMER_HEADER = 'Company,Website,Country,Industry,Size,Revenue potential,Address\n';

describe('importing customers', () => {
  it('keeps Persian and Chinese names exactly as written, with or without a BOM', async () => {
    const file =
      '\uFEFF' +
      CUSTOMER_HEADER +
      'شرکت پارس فولاد,parsfoolad.example,IR,steel,enterprise,A,"تهران، خیابان ولیعصر"\n' +
      '北京数据有限公司,www.bjdata.example,CN,software,mid-market,b,北京市海淀区\n';
    const { outcome, row } = await importFile('customers', file);
    expect(outcome).toMatchObject({ kind: 'completed', imported: 2, rejected: 0 });
    expect(row).toMatchObject({ status: 'completed', totalRows: 2, processedRows: 2, importedRows: 2 });
    const saved = await database.db
      .select()
      .from(customers)
      .where(inArray(customers.name, ['شرکت پارس فولاد', '北京数据有限公司']))
      .orderBy(customers.id);
    expect(
      saved.map((c) => [c.name, c.domainKey, c.country, c.sizeSegment, c.revenuePotential, c.address]),
    ).toEqual([
      ['شرکت پارس فولاد', 'parsfoolad.example', 'IR', 'enterprise', 'A', 'تهران، خیابان ولیعصر'],
      ['北京数据有限公司', 'bjdata.example', 'CN', 'mid_market', 'B', '北京市海淀区'],
    ]);
    // Owned by the vendor, recorded as imported by the user.
    expect(saved.every((c) => c.ownerPartnerId === null && c.createdByUserId === userId)).toBe(true);
  });

  it('refuses a Latin-1 file at upload, naming the line of the first bad byte', async () => {
    const latin1 = Uint8Array.from([
      ...utf8(CUSTOMER_HEADER + 'Acme,acme.example,DE,x,enterprise,A,\n'),
      0x4d,
      0xfc,
      0x6c,
      ...utf8('ler,m.example,DE,x,enterprise,A,\n'),
    ]);
    const refusal = await createImport(database.db, {
      kind: 'customers',
      fileName: 'latin1.csv',
      bytes: latin1,
      userId,
    }).catch((e: unknown) => e);
    expect(isDomainError(refusal, 'invalid_input')).toBe(true);
    expect((refusal as Error).message).toMatch(/Line 3: the file is not valid UTF-8 \(byte 0xFC\)/);

    // And should such a file reach a worker anyway, it is rejected whole, nothing written.
    const before = await tableCounts();
    const importId = await queuedImport('customers', latin1, {
      Company: 'name',
      Country: 'country',
      Industry: 'industry',
      Size: 'sizeSegment',
    });
    const outcome = await runImport(deps, importId);
    expect(outcome.kind).toBe('rejected');
    const [row] = await database.db.select().from(imports).where(eq(imports.id, importId));
    expect(row!.status).toBe('rejected');
    expect(row!.error).toMatch(/^Line 3: the file is not valid UTF-8/);
    expect(row!.report).toEqual([{ line: 3, field: null, reason: expect.stringMatching(/not valid UTF-8/) }]);
    expect(await tableCounts()).toEqual(before);
  });

  it('will not start while a required column is unmapped, and a worker refuses such a mapping too', async () => {
    const file = 'Company,Website\nAcme,acme.example\n';
    const { importId } = await createImport(database.db, {
      kind: 'customers',
      fileName: 'x.csv',
      bytes: utf8(file),
      userId,
    });
    const started = await startImport(database.db, {
      importId,
      columns: ['name', 'domain'],
      mode: 'all_or_nothing',
      campaignId: null,
    });
    expect(started.ok).toBe(false);
    if (started.ok) return;
    expect(started.mappingProblems.map((p) => p.field).sort()).toEqual([
      'country',
      'industry',
      'sizeSegment',
    ]);
    expect((await database.db.select().from(imports).where(eq(imports.id, importId)))[0]!.status).toBe(
      'uploaded',
    );

    const before = await tableCounts();
    const queued = await queuedImport('customers', utf8(file), { Company: 'name', Website: 'domain' });
    expect((await runImport(deps, queued)).kind).toBe('rejected');
    const [row] = await database.db.select().from(imports).where(eq(imports.id, queued));
    expect((row!.report as ReportEntry[]).map((r) => [r.line, r.field])).toEqual([
      [1, 'Country'],
      [1, 'Industry'],
      [1, 'Size segment'],
    ]);
    expect(await tableCounts()).toEqual(before);
  });

  const mixedFile =
    CUSTOMER_HEADER +
    'Good One GmbH,good1.example,DE,manufacturing,enterprise,A,\n' + // line 2
    'Bad Country Ltd,bad.example,Germany,retail,small business,C,\n' + // line 3
    '"Multi\nLine AG",ml.example,AT,retail,smb,,"Ring 1\nWien"\n' + // lines 4 to 6
    ',nameless.example,FR,retail,enterprise,E,\n' + // line 7: no name, potential E
    'Good Two SA,good2.example,FR,retail,mid_market,D,\n'; // line 8

  it('all or nothing: one bad row and nothing at all is written, with every problem by line', async () => {
    const before = await tableCounts();
    const { outcome, row, report } = await importFile('customers', mixedFile, { mode: 'all_or_nothing' });
    expect(outcome).toEqual({ kind: 'rejected', rejected: 2, error: null });
    expect(row).toMatchObject({ status: 'rejected', totalRows: 5, importedRows: 0, rejectedRows: 2 });
    expect(report).toEqual([
      {
        line: 3,
        field: 'Country',
        reason: 'Country “Germany” is not an ISO 3166-1 two-letter country code (such as DE, FR or US).',
      },
      { line: 7, field: 'Name', reason: 'The name is missing.' },
      { line: 7, field: 'Revenue potential', reason: 'Revenue potential “E” is not one of A, B, C or D.' },
    ]);
    expect(await tableCounts()).toEqual(before);
  });

  it('valid rows: the good rows are imported and the rejected CSV holds exactly the bad ones', async () => {
    const before = await tableCounts();
    const { outcome, row } = await importFile('customers', mixedFile, { mode: 'valid_rows' });
    expect(outcome).toMatchObject({ kind: 'completed', imported: 3, rejected: 2 });
    expect(row).toMatchObject({ status: 'completed', importedRows: 3, rejectedRows: 2 });
    expect((await tableCounts()).customers).toBe(before.customers + 3);
    const multi = await database.db.select().from(customers).where(eq(customers.name, 'Multi\nLine AG'));
    expect(multi[0]).toMatchObject({
      address: 'Ring 1\nWien',
      sizeSegment: 'small_business',
      revenuePotential: 'C',
    });

    const rejected = await parseCsvAll(utf8(row.rejectedCsv!));
    expect(rejected.map((r) => r.fields)).toEqual([
      ['Company', 'Website', 'Country', 'Industry', 'Size', 'Revenue potential', 'Address', 'line', 'reason'],
      [
        'Bad Country Ltd',
        'bad.example',
        'Germany',
        'retail',
        'small business',
        'C',
        '',
        '3',
        expect.stringMatching(/Country “Germany” is not/),
      ],
      [
        '',
        'nameless.example',
        'FR',
        'retail',
        'enterprise',
        'E',
        '',
        '7',
        'The name is missing. Revenue potential “E” is not one of A, B, C or D.',
      ],
    ]);
  });

  it('imports 100,000 rows completely', async () => {
    const countries = ['DE', 'FR', 'GB', 'IT', 'ES', 'NL', 'PL', 'SE'];
    const segments = ['enterprise', 'mid_market', 'small_business'];
    const lines = [CUSTOMER_HEADER.trimEnd()];
    for (let i = 1; i <= 100_000; i++) {
      lines.push(
        `Bulk Customer ${i} GmbH,bulk-${i}.example,${countries[i % 8]},industry ${i % 20},${segments[i % 3]},${'ABCD'[i % 4]},"Street ${i}, Town"`,
      );
    }
    const before = await tableCounts();
    const uploadStarted = performance.now();
    const bytes = utf8(lines.join('\r\n') + '\r\n');
    const { importId } = await createImport(database.db, {
      kind: 'customers',
      fileName: 'bulk.csv',
      bytes,
      userId,
    });
    const uploaded = performance.now();
    await startImport(database.db, {
      importId,
      columns: autoMapping('customers', lines[0]!.split(',')),
      mode: 'valid_rows',
      campaignId: null,
    });
    const outcome = await runImport(deps, importId);
    const finished = performance.now();
    console.log(
      `[imports] 100,000 customer rows (${(bytes.length / 1024 / 1024).toFixed(1)} MB): upload check ${((uploaded - uploadStarted) / 1000).toFixed(1)} s, import ${((finished - uploaded) / 1000).toFixed(1)} s`,
    );
    expect(outcome).toMatchObject({ kind: 'completed', imported: 100_000, rejected: 0 });
    expect((await tableCounts()).customers).toBe(before.customers + 100_000);
    const [row] = await database.db.select().from(imports).where(eq(imports.id, importId));
    expect(row).toMatchObject({ totalRows: 100_000, processedRows: 100_000, importedRows: 100_000 });
  });
});

describe('importing rows that name customers', () => {
  let acme: { id: number };
  beforeAll(async () => {
    acme = await makeCustomer(database.db, {
      name: 'Acme Werke',
      domain: 'https://www.acme-werke.example/',
      country: 'DE',
    });
  });

  it('contacts: customers found by domain or id; an unknown domain is a row error', async () => {
    const before = await tableCounts();
    const file =
      'Customer domain,Customer id,Full name,Job title,E-mail,Phone,Opt-in\n' +
      `acme-werke.example,,Jana Novak,CIO,jana@acme-werke.example,+49 30 1234,yes\n` +
      `,${acme.id},Li Wei 李伟,CTO,,,0\n` +
      `nobody-here.example,,Ghost,,,,true\n` +
      `acme-werke.example,,Bad Consent,,not-an-email,,perhaps\n`;
    const { row, report } = await importFile('contacts', file, { mode: 'valid_rows' });
    expect(row).toMatchObject({ status: 'completed', importedRows: 2, rejectedRows: 2 });
    expect(report).toEqual([
      { line: 5, field: 'Email', reason: 'This is not an email address such as name@example.com.' },
      { line: 5, field: 'Consent to contact', reason: 'Consent “perhaps” is not yes/no, true/false or 1/0.' },
      { line: 4, field: 'Customer domain', reason: 'There is no customer with domain nobody-here.example.' },
    ]);
    const saved = await database.db
      .select()
      .from(contacts)
      .where(eq(contacts.customerId, acme.id))
      .orderBy(contacts.id);
    expect(saved.map((c) => [c.name, c.consentToContact])).toEqual([
      ['Jana Novak', true],
      ['Li Wei 李伟', false],
    ]);
    expect((await tableCounts()).contacts).toBe(before.contacts + 2);
  });

  it('opportunities: bad amounts and unknown customers are reported; nothing is half-imported', async () => {
    const before = await tableCounts();
    const file =
      'Website,Need,Product,Value,Currency,Country\n' +
      'acme-werke.example,New storage for the plant,storage,"125,000.50",EUR,\n' + // line 2
      'acme-werke.example,Backup,storage,12.345,EUR,\n' + // line 3: three decimals
      'acme-werke.example,Tape,storage,5000,XYZ,\n' + // line 4: currency
      'unknown.example,Servers,compute,100,EUR,\n' + // line 5
      'acme-werke.example,Network,network,lots,EUR,XX\n'; // line 6
    const { row, report } = await importFile('opportunities', file, { mode: 'all_or_nothing' });
    expect(row).toMatchObject({ status: 'rejected', importedRows: 0, rejectedRows: 4 });
    expect(report.map((r) => [r.line, r.field])).toEqual([
      [3, 'Value'],
      [4, 'Currency'],
      [6, 'Country'],
      [6, 'Value'],
      [5, 'Customer domain'],
    ]);
    expect(report[0]!.reason).toBe('Value “12.345”: EUR amounts have at most 2 decimal places.');
    expect(report[4]!.reason).toBe('There is no customer with domain unknown.example.');
    expect(await tableCounts()).toEqual(before);
  });

  it('opportunities imported start new, take the customer’s country and industry, and are routed to partners', async () => {
    await makePartner(database.db, { countries: ['DE'], productLines: ['storage'], maxOpen: 1000 });
    const file =
      'Customer id,Need,Product line,Value,Currency\n' +
      Array.from(
        { length: 120 },
        (_, i) => `${acme.id},Storage refresh ${i + 1},storage,${1000 + i},EUR`,
      ).join('\n');
    const { outcome, row } = await importFile('opportunities', file, { mode: 'all_or_nothing' });
    expect(outcome).toMatchObject({ kind: 'completed', imported: 120, routed: 120 });
    expect(row.importedRows).toBe(120);
    const imported = await database.db.select().from(opportunities).where(eq(opportunities.source, 'import'));
    expect(imported).toHaveLength(120);
    expect(
      imported.every((o) => o.country === 'DE' && o.industry === 'manufacturing' && o.valueMinor >= 100_000),
    ).toBe(true);
    expect(imported.every((o) => o.status === 'offered')).toBe(true);
    const ids = imported.map((o) => o.id);
    expect(
      (await database.db.select({ n: count() }).from(offers).where(inArray(offers.opportunityId, ids)))[0]!.n,
    ).toBe(120);
    const created = await database.db
      .select({ n: count() })
      .from(opportunityEvents)
      .where(inArray(opportunityEvents.opportunityId, ids));
    expect(created[0]!.n).toBe(240); // created + offered, for each
  });

  it('campaign accounts go to the import’s campaign; running the job again changes nothing', async () => {
    const [campaign] = await database.db
      .insert(campaigns)
      .values({ name: 'Spring storage push', status: 'active' })
      .returning();
    const other = await makeCustomer(database.db, { domain: 'other-co.example' });
    const file = `Customer domain\nacme-werke.example\nother-co.example\nacme-werke.example\n`;
    const { importId, row } = await importFile('campaign_accounts', file, { campaignId: campaign!.id });
    expect(row).toMatchObject({ status: 'completed', importedRows: 3, rejectedRows: 0 });
    const accounts = await database.db
      .select()
      .from(campaignAccounts)
      .where(eq(campaignAccounts.campaignId, campaign!.id));
    expect(accounts.map((a) => a.customerId).sort()).toEqual([acme.id, other.id].sort());
    // A duplicated or retried job finds the import finished and leaves it alone.
    expect(await runImport(deps, importId)).toEqual({ kind: 'not_runnable' });
  });

  it('a run interrupted half-way left nothing behind and simply runs again from the start', async () => {
    const file = CUSTOMER_HEADER + 'Restart Co,restart.example,DE,x,enterprise,A,\n';
    const importId = await queuedImport('customers', utf8(file), {
      Company: 'name',
      Country: 'country',
      Industry: 'industry',
      Size: 'sizeSegment',
    });
    // What a worker that died mid-import leaves: the status `running`, a count of processed rows,
    // and (its transaction never committed) no rows.
    await database.db
      .update(imports)
      .set({ status: 'running', processedRows: 1000 })
      .where(eq(imports.id, importId));
    expect(await runImport(deps, importId)).toMatchObject({ kind: 'completed', imported: 1 });
    expect(await database.db.select().from(customers).where(eq(customers.name, 'Restart Co'))).toHaveLength(
      1,
    );
  });
});

describe('the import pages, with a real worker', () => {
  let worker: RunningWorker;
  let routes: {
    list: typeof ImportsRoute;
    page: typeof ImportRoute;
    rejected: typeof RejectedRoute;
    close: () => Promise<void>;
  };
  let staff: { cookie: string; csrf: string };
  let rep: { cookie: string; csrf: string };
  const workerLog: string[] = [];

  beforeAll(async () => {
    const prefix = testRedisPrefix();
    process.env.DATABASE_URL = database.url;
    process.env.REDIS_URL = inject('redisUrl');
    process.env.REDIS_PREFIX = prefix;
    const [list, page, rejected, dbServer, queueServer] = await Promise.all([
      import('../../app/routes/imports._index'),
      import('../../app/routes/imports.$importId'),
      import('../../app/routes/imports.$importId.rejected[.csv]'),
      import('../../app/utils/db.server'),
      import('../../app/utils/import-queue.server'),
    ]);
    routes = {
      list,
      page,
      rejected,
      close: async () => {
        await queueServer.closeImportQueue();
        await dbServer.closeDatabase();
      },
    };
    worker = await startWorker({
      databaseUrl: database.url,
      redisUrl: inject('redisUrl'),
      prefix,
      concurrency: 2,
      reconcileEveryMs: 600_000,
      stalledMs: 5000,
      log: (line) => workerLog.push(line),
      email: {
        from: 'Baton <baton@baton.local>',
        publicUrl: 'http://localhost',
        secret: 'x'.repeat(32),
        retryBaseMs: 100,
        digestHourUtc: (new Date().getUTCHours() + 12) % 24,
      },
    });
    const manager = await makeUser(database.db, { role: 'channel_manager', timezone: 'Asia/Tehran' });
    const managerSession = await sessionCookieFor(database.db, manager.id);
    staff = { cookie: managerSession.cookie, csrf: managerSession.session.csrfToken };
    const partner = await makePartner(database.db);
    const repUser = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    const repSession = await sessionCookieFor(database.db, repUser.id);
    rep = { cookie: repSession.cookie, csrf: repSession.session.csrfToken };
  });
  afterAll(async () => {
    await worker?.importQueue.obliterate({ force: true }).catch(() => {});
    await worker?.timerQueue.obliterate({ force: true }).catch(() => {});
    await worker?.stop();
    await routes?.close();
  });

  const get = (path: string, who = staff) =>
    new Request(`http://localhost${path}`, { headers: { Cookie: who.cookie } });
  function upload(fields: { kind: string; file?: File }, who = staff) {
    const form = new FormData();
    form.set('csrf', who.csrf);
    form.set('kind', fields.kind);
    if (fields.file) form.set('file', fields.file);
    return new Request('http://localhost/imports', {
      method: 'POST',
      body: form,
      headers: { Cookie: who.cookie },
    });
  }
  const csvFile = (text: string, name = 'customers.csv', type = 'text/csv') =>
    new File([text], name, { type });
  const loadPage = async (importId: number) =>
    unwrap<Awaited<ReturnType<typeof ImportRoute.loader>>>(
      await settle(() =>
        routes.page.loader({
          request: get(`/imports/${importId}`),
          params: { importId: String(importId) },
          context: {},
        }),
      ),
    );

  it('refuses a file that is not CSV, or not UTF-8, next to the file field, and stores nothing', async () => {
    const before = (await database.db.select({ n: count() }).from(imports))[0]!.n;
    const notCsv = unwrap<{ fieldErrors: Record<string, string> }>(
      await settle(() =>
        routes.list.action({
          request: upload({ kind: 'customers', file: csvFile('%PDF-1.4', 'deck.pdf', 'application/pdf') }),
          params: {},
          context: {},
        }),
      ),
    );
    expect(notCsv.status).toBe(400);
    expect(notCsv.data.fieldErrors.file).toMatch(/not a CSV file/);

    const latin1 = new File(
      [Uint8Array.from([...utf8('Company,Country\n'), 0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, ...utf8(',DE\n')])],
      'latin1.csv',
      { type: 'text/csv' },
    );
    const notUtf8 = unwrap<{ fieldErrors: Record<string, string> }>(
      await settle(() =>
        routes.list.action({ request: upload({ kind: 'customers', file: latin1 }), params: {}, context: {} }),
      ),
    );
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.data.fieldErrors.file).toMatch(/^Line 2: the file is not valid UTF-8/);

    const noKind = unwrap<{ fieldErrors: Record<string, string> }>(
      await settle(() =>
        routes.list.action({
          request: upload({ kind: '', file: csvFile('a\n1\n') }),
          params: {},
          context: {},
        }),
      ),
    );
    expect(noKind.data.fieldErrors.kind).toBe('Choose what the file holds.');
    expect((await database.db.select({ n: count() }).from(imports))[0]!.n).toBe(before);
  });

  it('upload, preview, mapping, start: the worker imports the valid rows and the rejected ones can be downloaded', async () => {
    const text =
      'Customer name,Web site,Country code,Sector,Segment,Notes\n' +
      'شرکت پارس فولاد,parsfoolad-web.example,IR,steel,enterprise,x\n' +
      '北京数据有限公司,bjdata-web.example,CN,software,mid market,y\n' +
      'Nowhere Inc,nowhere.example,QQ,software,enterprise,z\n';
    const uploaded = await settle(() =>
      routes.list.action({
        request: upload({ kind: 'customers', file: csvFile(text) }),
        params: {},
        context: {},
      }),
    );
    expect(uploaded).toBeInstanceOf(Response);
    const location = (uploaded as Response).headers.get('Location')!;
    const importId = Number(/^\/imports\/(\d+)$/.exec(location)![1]);

    const preview = await loadPage(importId);
    expect(preview.status).toBe(200);
    expect(preview.data.preview!.headers).toEqual([
      'Customer name',
      'Web site',
      'Country code',
      'Sector',
      'Segment',
      'Notes',
    ]);
    // Mapped by the headers' names; "Notes" is left out.
    expect(preview.data.preview!.columns).toEqual([
      'name',
      'domain',
      'country',
      'industry',
      'sizeSegment',
      null,
    ]);
    expect(preview.data.preview!.rows.map((r) => r.fields[0])).toEqual([
      'شرکت پارس فولاد',
      '北京数据有限公司',
      'Nowhere Inc',
    ]);
    // An earlier test imported the Persian and Chinese companies: found by their exact name key.
    expect(preview.data.preview!.duplicates.map((d) => [d.line, d.matches[0]!.reason])).toEqual([
      [2, 'Same name'],
      [3, 'Same name'],
    ]);

    const start = (fields: Record<string, string>) =>
      settle(() =>
        routes.page.action({
          request: formPost(
            `http://localhost/imports/${importId}`,
            { csrf: staff.csrf, ...fields },
            { Cookie: staff.cookie },
          ),
          params: { importId: String(importId) },
          context: {},
        }),
      );
    // The name left out: a field error, and the import does not start.
    const refused = unwrap<{ fieldErrors: Record<string, string> }>(
      await start({
        'column-0': '',
        'column-1': 'domain',
        'column-2': 'country',
        'column-3': 'industry',
        'column-4': 'sizeSegment',
        'column-5': '',
        mode: 'valid_rows',
      }),
    );
    expect(refused.status).toBe(400);
    expect(refused.data.fieldErrors.mapping).toBe('Choose the column that holds the name.');
    expect((await loadPage(importId)).data.status).toBe('uploaded');

    const started = await start({
      'column-0': 'name',
      'column-1': 'domain',
      'column-2': 'country',
      'column-3': 'industry',
      'column-4': 'sizeSegment',
      'column-5': '',
      mode: 'valid_rows',
    });
    expect(started).toBeInstanceOf(Response);
    expect((started as Response).headers.get('Location')).toBe(`/imports/${importId}`);

    let page = await loadPage(importId);
    for (let waited = 0; page.data.status !== 'completed' && waited < 20_000; waited += 100) {
      expect(['queued', 'running']).toContain(page.data.status);
      await new Promise((resolve) => setTimeout(resolve, 100));
      page = await loadPage(importId);
    }
    expect(page.data).toMatchObject({
      status: 'completed',
      importedRows: 2,
      rejectedRows: 1,
      hasRejectedCsv: true,
      preview: null,
    });
    expect(page.data.report).toEqual([
      {
        line: 4,
        field: 'Country',
        reason: 'Country “QQ” is not an ISO 3166-1 two-letter country code (such as DE, FR or US).',
      },
    ]);
    expect(
      await database.db.select().from(customers).where(eq(customers.domain, 'bjdata-web.example')),
    ).toMatchObject([{ name: '北京数据有限公司', sizeSegment: 'mid_market' }]);

    const download = (await routes.rejected.loader({
      request: get(`/imports/${importId}/rejected.csv`),
      params: { importId: String(importId) },
      context: {},
    })) as Response;
    expect(download.status).toBe(200);
    expect(download.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    expect(download.headers.get('Content-Disposition')).toMatch(
      /attachment; filename="customers-rejected.csv"/,
    );
    const rows = await parseCsvAll(new Uint8Array(await download.arrayBuffer()));
    expect(rows.map((r) => r.fields)).toEqual([
      ['Customer name', 'Web site', 'Country code', 'Sector', 'Segment', 'Notes', 'line', 'reason'],
      [
        'Nowhere Inc',
        'nowhere.example',
        'QQ',
        'software',
        'enterprise',
        'z',
        '4',
        expect.stringMatching(/“QQ”/),
      ],
    ]);

    // The list shows it with its state.
    const list = unwrap<Awaited<ReturnType<typeof ImportsRoute.loader>>>(
      await settle(() => routes.list.loader({ request: get('/imports'), params: {}, context: {} })),
    );
    expect(list.data.imports.find((i) => i.id === importId)).toMatchObject({
      status: 'completed',
      importedRows: 2,
      rejectedRows: 1,
    });
  });

  it('shows the likely duplicates of a customers file before anything is imported', async () => {
    const existing = await makeCustomer(database.db, {
      name: 'Helvetia Präzision AG',
      domain: 'helvetia-praezision.example',
      country: 'CH',
    });
    const text =
      'Company,Website,Country,Industry,Size\n' +
      'Helvetia Praezision,https://www.helvetia-praezision.example/kontakt,CH,manufacturing,enterprise\n' +
      'Helvetia Präzision GmbH,,CH,manufacturing,enterprise\n' +
      'Lagune Bleue SARL,lagune.example,FR,retail,small_business\n';
    const uploaded = await settle(() =>
      routes.list.action({
        request: upload({ kind: 'customers', file: csvFile(text) }),
        params: {},
        context: {},
      }),
    );
    const importId = Number(/^\/imports\/(\d+)$/.exec((uploaded as Response).headers.get('Location')!)![1]);
    const preview = await loadPage(importId);
    const duplicates = preview.data.preview!.duplicates;
    expect(duplicates.map((d) => d.line)).toEqual([2, 3]);
    expect(duplicates[0]!.matches).toEqual([
      { id: existing.id, name: existing.name, reason: 'Same web domain' },
    ]);
    expect(duplicates[1]!.matches[0]).toMatchObject({ id: existing.id, reason: 'Same name' });
  });

  it('partner users find no import pages at all', async () => {
    const listed = await settle(() =>
      routes.list.loader({ request: get('/imports', rep), params: {}, context: {} }),
    );
    expect((listed as Response).status).toBe(404);
    const [any] = await database.db.select({ id: imports.id }).from(imports).limit(1);
    const page = await settle(() =>
      routes.page.loader({
        request: get(`/imports/${any!.id}`, rep),
        params: { importId: String(any!.id) },
        context: {},
      }),
    );
    expect((page as Response).status).toBe(404);
    const uploadTry = await settle(() =>
      routes.list.action({
        request: upload({ kind: 'customers', file: csvFile('a\n1\n') }, rep),
        params: {},
        context: {},
      }),
    );
    expect((uploadTry as Response).status).toBe(404);
  });
});
