import { isDomainError, type DomainError, type DomainErrorCode } from '../domain/errors';
import { requireCsrf } from './csrf.server';
import { requirePermission, type Permission } from './permissions.server';
import type { SessionUser } from './session.server';

/**
 * The route kit: what every loader and action does the same way, in one place — the ids in the
 * address, the 404, the HTTP status of a domain error, the query string and the form (checked in
 * one order: permission, CSRF, then the fields), and Remix's legacy `?_data=` requests.
 */

const PLAIN_TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

/** The answer to an address that names nothing the visitor may see. */
export const NOT_THERE = 'There is no page at this address.';

export function notFound(message: string = NOT_THERE): Response {
  return new Response(message, { status: 404, headers: PLAIN_TEXT });
}

function badRequest(message: string): Response {
  return new Response(message, { status: 400, headers: PLAIN_TEXT });
}

// ---------------------------------------------------------------------------------------------
// Ids in the address

/** The largest id a Postgres `integer` (serial) column holds. */
export const MAX_ID = 2_147_483_647;

/**
 * The one id rule: ASCII digits only, no sign, space, exponent or leading zero, 1 to 2147483647.
 * Leading zeros are refused so that each record has exactly one address (`/customers/07` is not
 * `/customers/7`); every other spelling (`1e3`, ` 1`, `٣`, `0x1`) is simply not an id.
 */
export function parseId(raw: unknown): number | null {
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw)) return null;
  const id = Number(raw);
  return id <= MAX_ID ? id : null;
}

/** The id named `name` in the route's params, or a thrown 404 (with the route's own message). */
export function idParam(
  params: Readonly<Record<string, string | undefined>>,
  name: string,
  message: string = NOT_THERE,
): number {
  const id = parseId(params[name]);
  if (id === null) throw notFound(message);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Domain errors

/** The HTTP status of each kind of domain error: the one table the routes answer by. */
export const DOMAIN_ERROR_STATUS: Record<DomainErrorCode, number> = {
  not_found: 404,
  invalid_input: 400,
  offer_not_pending: 409,
  deadline_passed: 409,
  opportunity_not_routable: 409,
  partner_not_eligible: 409,
};

/**
 * The status of a domain error. `invalidInputIsConflict`: the route checked every field before it
 * called the domain, so an `invalid_input` can only be about the record's state (already decided,
 * already started, merged meanwhile): a conflict, 409.
 */
export function domainErrorStatus(
  error: DomainError,
  options: { invalidInputIsConflict?: boolean } = {},
): number {
  if (error.code === 'invalid_input' && options.invalidInputIsConflict) return 409;
  return DOMAIN_ERROR_STATUS[error.code];
}

/** A domain error as a plain-text answer with its status and its message. */
export function domainErrorResponse(error: DomainError): Response {
  return new Response(error.message, { status: domainErrorStatus(error), headers: PLAIN_TEXT });
}

// ---------------------------------------------------------------------------------------------
// Text from the visitor: the query string and the form

/**
 * Control characters (Unicode Cc: C0, DEL and C1) are never text a person typed; NUL in particular
 * is refused by Postgres (`invalid byte sequence 0x00`), so none may reach a query. TAB, LF and CR
 * are kept everywhere: textareas send line breaks as CRLF, and a pasted TAB is harmless text.
 * Invalid UTF-8 needs no rule here: URLSearchParams and FormData decode it to U+FFFD, which is
 * ordinary text that Postgres stores and the pages escape.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export const hasControlCharacter = (text: string) => CONTROL_CHARACTER.test(text);

/** A name from the request, quoted and cut short for a message: it may be 100 KB of anything. */
const quoted = (name: string) => {
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  return `“${shown.replace(/[\p{Cc}]/gu, '?')}”`;
};

function refuseControlCharacters(entries: Iterable<[string, string]>, where: 'field' | 'query parameter') {
  for (const [name, value] of entries) {
    if (hasControlCharacter(name)) {
      throw badRequest(
        `A ${where} name contains a control character (such as NUL), which Baton does not accept; nothing was changed.`,
      );
    }
    if (hasControlCharacter(value)) {
      throw badRequest(
        `The ${where} ${quoted(name)} contains a control character (such as NUL), which Baton does not accept; nothing was changed.`,
      );
    }
  }
}

/** The query string, refused with a 400 naming the parameter if any holds a control character. */
export function searchParamsOf(request: Request): URLSearchParams {
  const searchParams = new URL(request.url).searchParams;
  refuseControlCharacters(searchParams, 'query parameter');
  return searchParams;
}

/** Reads a form body; a body that is not a form at all is the visitor's doing: 400. */
async function readBody(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    throw badRequest('This request did not carry a form Baton could read; nothing was changed.');
  }
}

/**
 * The form of a POST: read (by `read`, for uploads), its CSRF token checked (403), then every
 * field's name and text value and every file's name checked for control characters (400).
 */
export async function readForm(
  request: Request,
  read: (request: Request) => Promise<FormData> = readBody,
): Promise<FormData> {
  const form = await read(request);
  await requireCsrf(request, form);
  const texts: [string, string][] = [];
  for (const [name, value] of form) texts.push([name, typeof value === 'string' ? value : value.name]);
  refuseControlCharacters(texts, 'field');
  return form;
}

/** Who may post: resolves to the visitor (or what the route needs of them), or throws a 404 / sign-in. */
export type Gate<Visitor> = (request: Request) => Promise<Visitor>;

/** The gate of a route whose action needs one permission. */
export const permissionTo =
  (permission: Permission): Gate<SessionUser> =>
  (request) =>
    requirePermission(request, permission);

/** The gate of a page open to every visitor (a signed link stands in for the session). */
export const anyone: Gate<null> = async () => null;

/**
 * Opens every action, always in this order: the permission (`gate`: 404 or sign-in), then the
 * CSRF token (403), then the fields (400). Nothing is read from the form before the gate has
 * let the visitor in, except by a gate that needs the form to know which permission applies
 * (see `peekField`).
 */
export async function formFor<Visitor>(
  request: Request,
  gate: Gate<Visitor>,
  read?: (request: Request) => Promise<FormData>,
): Promise<{ visitor: Visitor; form: FormData }> {
  const visitor = await gate(request);
  const form = await readForm(request, read);
  return { visitor, form };
}

/**
 * One field of the form, read from a copy of the body, for a gate whose permission depends on
 * what the form asks for (its intent). The form itself is still read and checked by `formFor`.
 */
export async function peekField(request: Request, name: string): Promise<FormDataEntryValue | null> {
  return (await readBody(request.clone())).get(name);
}

// ---------------------------------------------------------------------------------------------
// Every loader and action

/**
 * Remix's legacy data requests (`?_data=routes/…`). The app runs single fetch (`<path>.data`);
 * Remix still routes `?_data=` to the loader or action but cannot encode a single-fetch answer
 * for it (it answered 500 with a stack trace), so it is refused before any route code runs.
 */
export const LEGACY_DATA_REQUEST =
  'This address answers Remix data requests at its .data address only; nothing was done.';

export const isLegacyDataRequest = (request: Request) => new URL(request.url).searchParams.has('_data');

const ROUTE_KIT = Symbol.for('baton.route-kit');

type Handler<Args, Result> = (args: Args) => Promise<Result>;

function opened<Args extends { request: Request }, Result>(
  handler: Handler<Args, Result>,
): Handler<Args, Result> {
  const open: Handler<Args, Result> = async (args) => {
    if (isLegacyDataRequest(args.request)) throw badRequest(LEGACY_DATA_REQUEST);
    searchParamsOf(args.request);
    try {
      return await handler(args);
    } catch (thrown) {
      // A domain error no branch of the route answered is still the visitor's doing, not a 500.
      if (isDomainError(thrown)) throw domainErrorResponse(thrown);
      throw thrown;
    }
  };
  return Object.assign(open, { [ROUTE_KIT]: true });
}

/** Wraps a route's loader: legacy data requests and control characters in the query refused first. */
export const routeLoader = opened;
/** Wraps a route's action, likewise; the action itself opens with `formFor`. */
export const routeAction = opened;

/** Whether a loader or action was wrapped by the kit (the route-manifest tests check every route). */
export const usesRouteKit = (handler: unknown) => typeof handler === 'function' && ROUTE_KIT in handler;
