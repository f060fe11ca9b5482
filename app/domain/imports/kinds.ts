import { z } from 'zod';
import { parseWebDomain } from '../customers/web-domain';
import { CURRENCIES, isCurrency, parseAmountToMinor } from '../money';
import { isCountryCode, SIZE_SEGMENTS, type SizeSegment } from '../partners/labels';

/**
 * What each kind of import reads: its fields, which header names map to them on their own,
 * and how one row's text becomes a record (or the reason per field why it cannot).
 * Pure: no database. References to customers are resolved later, a batch at a time.
 */

export const IMPORT_KINDS = ['customers', 'contacts', 'opportunities', 'campaign_accounts'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
export const IMPORT_MODES = ['all_or_nothing', 'valid_rows'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export const IMPORT_KIND_LABELS: Record<ImportKind, string> = {
  customers: 'Customers',
  contacts: 'Contacts',
  opportunities: 'Opportunities',
  campaign_accounts: 'Campaign target accounts',
};

export interface FieldSpec {
  key: string;
  label: string;
  required: boolean;
  /** Header names that map here, compared without case, spaces, underscores or hyphens. */
  synonyms: readonly string[];
  hint?: string;
}

const customerRefFields: FieldSpec[] = [
  {
    key: 'customerId',
    label: 'Customer id',
    required: false,
    synonyms: ['customerid', 'accountid', 'customer#', 'customerno'],
    hint: 'Baton’s customer number; or give the customer’s domain.',
  },
  {
    key: 'customerDomain',
    label: 'Customer domain',
    required: false,
    synonyms: ['customerdomain', 'companydomain', 'accountdomain', 'domain', 'website', 'web', 'url'],
    hint: 'Matched without www. or https://.',
  },
];

export const IMPORT_FIELDS: Record<ImportKind, readonly FieldSpec[]> = {
  customers: [
    {
      key: 'name',
      label: 'Name',
      required: true,
      synonyms: [
        'name',
        'company',
        'companyname',
        'customer',
        'customername',
        'account',
        'accountname',
        'organisation',
        'organization',
      ],
    },
    {
      key: 'domain',
      label: 'Domain',
      required: false,
      synonyms: ['domain', 'website', 'web', 'url', 'site', 'homepage', 'webdomain'],
    },
    {
      key: 'country',
      label: 'Country',
      required: true,
      synonyms: ['country', 'countrycode', 'iso', 'isocountry'],
      hint: 'ISO code, such as DE',
    },
    { key: 'industry', label: 'Industry', required: true, synonyms: ['industry', 'sector', 'vertical'] },
    {
      key: 'sizeSegment',
      label: 'Size segment',
      required: true,
      synonyms: ['sizesegment', 'size', 'segment', 'companysize'],
      hint: 'enterprise, mid-market or small business',
    },
    {
      key: 'revenuePotential',
      label: 'Revenue potential',
      required: false,
      synonyms: ['revenuepotential', 'potential', 'revenuecode', 'potentialcode', 'rating'],
      hint: 'A to D; C when blank',
    },
    {
      key: 'address',
      label: 'Address',
      required: false,
      synonyms: ['address', 'streetaddress', 'postaladdress', 'street'],
    },
  ],
  contacts: [
    ...customerRefFields,
    {
      key: 'name',
      label: 'Name',
      required: true,
      synonyms: ['name', 'contactname', 'fullname', 'contact', 'person'],
    },
    { key: 'title', label: 'Title', required: false, synonyms: ['title', 'jobtitle', 'position', 'role'] },
    { key: 'email', label: 'Email', required: false, synonyms: ['email', 'emailaddress', 'mail'] },
    {
      key: 'phone',
      label: 'Phone',
      required: false,
      synonyms: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile'],
    },
    {
      key: 'consent',
      label: 'Consent to contact',
      required: false,
      synonyms: ['consent', 'consenttocontact', 'optin', 'maycontact', 'marketingconsent'],
      hint: 'yes/no, true/false or 1/0; no when blank',
    },
  ],
  opportunities: [
    ...customerRefFields,
    {
      key: 'need',
      label: 'Need',
      required: true,
      synonyms: ['need', 'description', 'requirement', 'summary', 'opportunity'],
    },
    {
      key: 'productLine',
      label: 'Product line',
      required: true,
      synonyms: ['productline', 'product', 'line'],
    },
    {
      key: 'amount',
      label: 'Value',
      required: true,
      synonyms: ['amount', 'value', 'dealvalue', 'dealsize', 'estimatedvalue'],
      hint: 'such as 125000.50',
    },
    { key: 'currency', label: 'Currency', required: true, synonyms: ['currency', 'cur', 'ccy'] },
    {
      key: 'country',
      label: 'Country',
      required: false,
      synonyms: ['country', 'countrycode'],
      hint: 'the customer’s when blank',
    },
    {
      key: 'industry',
      label: 'Industry',
      required: false,
      synonyms: ['industry', 'sector', 'vertical'],
      hint: 'the customer’s when blank',
    },
    {
      key: 'sizeSegment',
      label: 'Size segment',
      required: false,
      synonyms: ['sizesegment', 'size', 'segment'],
      hint: 'the customer’s when blank',
    },
    {
      key: 'campaignId',
      label: 'Campaign id',
      required: false,
      synonyms: ['campaignid', 'campaign'],
    },
  ],
  campaign_accounts: customerRefFields,
};

/** Kinds whose rows name a customer, by id or by domain: one of the two must be mapped. */
export const REFERENCES_CUSTOMER: Record<ImportKind, boolean> = {
  customers: false,
  contacts: true,
  opportunities: true,
  campaign_accounts: true,
};

/** The column of each CSV header, by position: a field key, or null for a column left out. */
export type ColumnMapping = (string | null)[];

export const normaliseHeader = (header: string) =>
  header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.]+/g, '');

/** Each header's field by name, each field used at most once (the first matching header wins). */
export function autoMapping(kind: ImportKind, headers: readonly string[]): ColumnMapping {
  const used = new Set<string>();
  return headers.map((header) => {
    const name = normaliseHeader(header);
    const field = IMPORT_FIELDS[kind].find(
      (f) => !used.has(f.key) && (normaliseHeader(f.key) === name || f.synonyms.includes(name)),
    );
    if (!field) return null;
    used.add(field.key);
    return field.key;
  });
}

export interface MappingProblem {
  /** The column index, or null for a problem of the whole mapping (a required field missing). */
  column: number | null;
  field: string | null;
  reason: string;
}

/**
 * The mapping as stored with the import: CSV header → field key, for the mapped headers only.
 * Headers are unique in an accepted file, so the header names its column.
 */
export type StoredMapping = Record<string, string>;

export function storedMappingOf(headers: readonly string[], columns: ColumnMapping): StoredMapping {
  const stored: StoredMapping = {};
  headers.forEach((header, i) => {
    const key = columns[i];
    if (key) stored[header.trim()] = key;
  });
  return stored;
}

export function columnMappingFor(stored: StoredMapping, headers: readonly string[]): ColumnMapping {
  return headers.map((header) => {
    const name = header.trim();
    return name !== '' && Object.hasOwn(stored, name) ? (stored[name] ?? null) : null;
  });
}

/** The jsonb column as read (text on this driver, or an object). */
export function parseStoredMapping(value: unknown): StoredMapping {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** Whether the mapping can import this kind: every required field once, no field twice. */
export function checkMapping(kind: ImportKind, mapping: ColumnMapping): MappingProblem[] {
  const fields = IMPORT_FIELDS[kind];
  const problems: MappingProblem[] = [];
  const seen = new Map<string, number>();
  mapping.forEach((key, column) => {
    if (key === null) return;
    const spec = fields.find((f) => f.key === key);
    if (!spec) {
      problems.push({ column, field: key, reason: `“${key}” is not a field of a ${kind} import.` });
      return;
    }
    if (seen.has(key)) {
      problems.push({
        column,
        field: key,
        reason: `${spec.label} is already read from column ${seen.get(key)! + 1}; choose it once.`,
      });
      return;
    }
    seen.set(key, column);
  });
  for (const spec of fields) {
    if (spec.required && !seen.has(spec.key)) {
      problems.push({
        column: null,
        field: spec.key,
        reason: `Choose the column that holds the ${spec.label.toLowerCase()}.`,
      });
    }
  }
  if (REFERENCES_CUSTOMER[kind] && !seen.has('customerId') && !seen.has('customerDomain')) {
    problems.push({
      column: null,
      field: 'customerDomain',
      reason: 'Choose the column that names the customer: its Baton id or its domain.',
    });
  }
  return problems;
}

/** A header row's problems that no mapping can fix. */
export function checkHeaders(headers: readonly string[]): string | null {
  if (headers.length === 0 || headers.every((h) => h.trim() === '')) {
    return 'The first line must name the columns (a header row), and it is empty.';
  }
  const seen = new Set<string>();
  for (const header of headers) {
    const name = header.trim();
    if (name === '') continue;
    if (seen.has(name.toLowerCase())) {
      return `The header row names the column “${name}” twice; give each column its own name.`;
    }
    seen.add(name.toLowerCase());
  }
  return null;
}

// ---- Row validation -------------------------------------------------------------------------

export interface RowProblem {
  field: string;
  reason: string;
}

/** A check whose message quotes the value that failed it. */
const mustBe =
  (ok: (text: string) => boolean, message: (text: string) => string) =>
  (text: string, context: z.RefinementCtx) => {
    if (!ok(text)) context.addIssue({ code: 'custom', message: message(text) });
  };

const trimmed = (max: number, label: string) =>
  z
    .string()
    .trim()
    .max(max, `${label} is longer than ${max} characters.`)
    .transform((s) => (s === '' ? undefined : s))
    .optional();

const required = (max: number, label: string) =>
  z
    .string({ error: `${label} is missing.` })
    .trim()
    .min(1, `${label} is missing.`)
    .max(max, `${label} is longer than ${max} characters.`);

const countryCode = (label: string) =>
  z
    .string()
    .trim()
    .superRefine(
      mustBe(
        (code) => code === '' || isCountryCode(code.toUpperCase()),
        (code) => `${label} “${code}” is not an ISO 3166-1 two-letter country code (such as DE, FR or US).`,
      ),
    )
    .transform((code) => code.toUpperCase());

const SEGMENT_WORDS: Record<string, SizeSegment> = {
  enterprise: 'enterprise',
  large: 'enterprise',
  midmarket: 'mid_market',
  mid: 'mid_market',
  medium: 'mid_market',
  smallbusiness: 'small_business',
  small: 'small_business',
  smb: 'small_business',
};
const sizeSegment = z
  .string()
  .transform((text, context) => {
    const word = normaliseHeader(text);
    if (word === '') return undefined;
    const segment = SEGMENT_WORDS[word];
    if (!segment) {
      context.addIssue({
        code: 'custom',
        message: `Size segment “${text.trim()}” is not one of ${SIZE_SEGMENTS.map((s) => s.replace('_', ' ')).join(', ')}.`,
      });
      return z.NEVER;
    }
    return segment;
  })
  .optional();

const domain = z
  .string()
  .trim()
  .max(253, 'The domain is longer than 253 characters.')
  .transform((text, context) => {
    if (text === '') return undefined;
    const parsed = parseWebDomain(text);
    if (parsed.ok) return parsed.domain;
    context.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  })
  .optional();

const positiveId = (label: string) =>
  z
    .string()
    .trim()
    .superRefine(
      mustBe(
        (text) => text === '' || (/^\d{1,9}$/.test(text) && Number(text) > 0),
        (text) => `${label} “${text}” is not a whole number.`,
      ),
    )
    .transform((text) => (text === '' ? undefined : Number(text)))
    .optional();

const CONSENT_WORDS: Record<string, boolean> = {
  yes: true,
  true: true,
  '1': true,
  y: true,
  no: false,
  false: false,
  '0': false,
  n: false,
};

const customerSchema = z.object({
  name: required(200, 'The name'),
  domain,
  country: countryCode('Country').pipe(z.string().min(1, 'The country is missing.')),
  industry: required(100, 'The industry'),
  sizeSegment: sizeSegment.pipe(z.enum(SIZE_SEGMENTS, { error: 'The size segment is missing.' })),
  revenuePotential: z
    .string()
    .trim()
    .toUpperCase()
    .superRefine(
      mustBe(
        (code) => code === '' || /^[ABCD]$/.test(code),
        (code) => `Revenue potential “${code}” is not one of A, B, C or D.`,
      ),
    )
    .transform((code) => (code === '' ? 'C' : code))
    .optional()
    .transform((code) => code ?? 'C'),
  address: trimmed(500, 'The address'),
});

const customerRef = {
  customerId: positiveId('Customer id'),
  customerDomain: domain,
};

const contactSchema = z.object({
  ...customerRef,
  name: required(200, 'The name'),
  title: trimmed(200, 'The title'),
  email: trimmed(254, 'The email').pipe(
    z
      .string()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'This is not an email address such as name@example.com.')
      .optional(),
  ),
  phone: trimmed(50, 'The phone number').pipe(
    z
      .string()
      .regex(/^[+0-9 ()./-]{3,}$/, 'A phone number holds digits, spaces and + ( ) - . / only.')
      .optional(),
  ),
  consent: z
    .string()
    .transform((text, context) => {
      const word = text.trim().toLowerCase();
      if (word === '') return false;
      const consent = CONSENT_WORDS[word];
      if (consent === undefined) {
        context.addIssue({
          code: 'custom',
          message: `Consent “${text.trim()}” is not yes/no, true/false or 1/0.`,
        });
        return z.NEVER;
      }
      return consent;
    })
    .optional()
    .transform((consent) => consent ?? false),
});

const opportunitySchema = z.object({
  ...customerRef,
  need: required(2000, 'The need').pipe(z.string().min(3, 'Describe the need in a few words.')),
  productLine: required(100, 'The product line'),
  amount: required(40, 'The value'),
  currency: z
    .string({ error: 'The currency is missing.' })
    .trim()
    .toUpperCase()
    .pipe(
      z.enum(CURRENCIES, {
        error: (issue) =>
          `“${String(issue.input)}” is not an ISO 4217 currency code such as EUR, JPY or BHD.`,
      }),
    ),
  country: countryCode('Country')
    .transform((code) => (code === '' ? undefined : code))
    .optional(),
  industry: trimmed(100, 'The industry'),
  sizeSegment,
  campaignId: positiveId('Campaign id'),
});

const campaignAccountSchema = z.object(customerRef);

export type CustomerRow = z.output<typeof customerSchema>;
export type ContactRow = z.output<typeof contactSchema>;
export type OpportunityRow = Omit<z.output<typeof opportunitySchema>, 'amount'> & { valueMinor: number };
export type CampaignAccountRow = z.output<typeof campaignAccountSchema>;
export type CustomerReference = { customerId?: number; customerDomain?: string };

export type ValidRow =
  | { kind: 'customers'; value: CustomerRow }
  | { kind: 'contacts'; value: ContactRow }
  | { kind: 'opportunities'; value: OpportunityRow }
  | { kind: 'campaign_accounts'; value: CampaignAccountRow };

const SCHEMAS = {
  customers: customerSchema,
  contacts: contactSchema,
  opportunities: opportunitySchema,
  campaign_accounts: campaignAccountSchema,
} as const;

/** The row's mapped fields as text, by field key; unmapped fields are absent. */
export function fieldsOfRow(mapping: ColumnMapping, cells: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  mapping.forEach((key, column) => {
    if (key !== null) fields[key] = cells[column] ?? '';
  });
  return fields;
}

/**
 * One row's record, or every problem with it (one reason per bad field). The customer
 * reference is checked for shape here; whether that customer exists is the runner's question.
 */
export function validateRow(
  kind: ImportKind,
  mapping: ColumnMapping,
  cells: readonly string[],
): { ok: true; row: ValidRow } | { ok: false; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const mappedColumns = mapping.length;
  if (cells.length > mappedColumns && cells.slice(mappedColumns).some((c) => c.trim() !== '')) {
    problems.push({
      field: '',
      reason: `The row has ${cells.length} columns but the header only ${mappedColumns}; check for an unquoted comma.`,
    });
  }
  const fields = fieldsOfRow(mapping, cells);
  const parsed = SCHEMAS[kind].safeParse(fields);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      if (!problems.some((p) => p.field === field)) problems.push({ field, reason: issue.message });
    }
  }
  const blank = (key: string) => (fields[key] ?? '').trim() === '';
  if (REFERENCES_CUSTOMER[kind] && blank('customerId') && blank('customerDomain')) {
    problems.push({
      field: mapping.includes('customerDomain') ? 'customerDomain' : 'customerId',
      reason: 'The customer is missing: give its Baton id or its domain.',
    });
  }
  let valueMinor = 0;
  const currency = (fields.currency ?? '').trim().toUpperCase();
  if (kind === 'opportunities' && !blank('amount') && isCurrency(currency)) {
    const amount = parseAmountToMinor(fields.amount!, currency);
    if (amount.ok) valueMinor = amount.minor;
    else if (!problems.some((p) => p.field === 'amount')) {
      problems.push({ field: 'amount', reason: `Value “${fields.amount!.trim()}”: ${amount.reason}` });
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  if (kind === 'opportunities') {
    const { amount: _amount, ...rest } = parsed.data as z.output<typeof opportunitySchema>;
    return { ok: true, row: { kind, value: { ...rest, valueMinor } } };
  }
  return { ok: true, row: { kind, value: parsed.data } as ValidRow };
}

/** A field's label for reports: "Country", or "the row" for problems of the whole row. */
export function fieldLabel(kind: ImportKind, key: string): string {
  return IMPORT_FIELDS[kind].find((f) => f.key === key)?.label ?? (key === '' ? 'Row' : key);
}
