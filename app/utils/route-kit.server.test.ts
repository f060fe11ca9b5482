import { describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorCode } from '../domain/errors';
import {
  domainErrorResponse,
  domainErrorStatus,
  hasControlCharacter,
  idParam,
  parseId,
  routeLoader,
  searchParamsOf,
  usesRouteKit,
} from './route-kit.server';

async function thrown(run: () => unknown): Promise<Response> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
  throw new Error('expected a thrown Response');
}

describe('the id rule', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2_147_483_647],
  ])('accepts %j', (raw, id) => {
    expect(parseId(raw)).toBe(id);
  });

  it.each([
    '0',
    '2147483648',
    '9999999999',
    '99999999999',
    '-1',
    '+1',
    '1e3',
    ' 1',
    '1 ',
    '01',
    '١',
    '',
    '0x1',
    '1.0',
    '١٢',
  ])('refuses %j', (raw) => {
    expect(parseId(raw)).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(parseId(undefined)).toBeNull();
    expect(parseId(7)).toBeNull();
  });

  it('answers a bad id in the address with a 404 and the route’s message', async () => {
    expect(idParam({ customerId: '7' }, 'customerId')).toBe(7);
    const missing = await thrown(() => idParam({}, 'customerId', 'There is no campaign at this address.'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('There is no campaign at this address.');
    expect((await thrown(() => idParam({ customerId: '01' }, 'customerId'))).status).toBe(404);
  });
});

describe('control characters', () => {
  it('finds NUL, the other C0 controls, DEL and C1, but not TAB, LF or CR', () => {
    for (const text of ['a\u0000b', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u009f', '\u000b']) {
      expect(hasControlCharacter(text), JSON.stringify(text)).toBe(true);
    }
    for (const text of ['a\tb', 'line\r\nline', 'plain', '\uFFFD', 'Zoë 北京 شركة', '\u00a0']) {
      expect(hasControlCharacter(text), JSON.stringify(text)).toBe(false);
    }
  });

  it('refuses a query parameter holding one with a 400 that names it', async () => {
    const refused = await thrown(() => searchParamsOf(new Request('http://localhost/queue?q=a%00b')));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('“q”');
    // Invalid UTF-8 decodes to U+FFFD: ordinary text.
    expect(searchParamsOf(new Request('http://localhost/queue?q=%FF%C0%AF%ED%A0%80')).get('q')).toBe(
      '\uFFFD'.repeat(6),
    );
  });
});

describe('domain errors', () => {
  const table: [DomainErrorCode, number][] = [
    ['not_found', 404],
    ['invalid_input', 400],
    ['offer_not_pending', 409],
    ['deadline_passed', 409],
    ['opportunity_not_routable', 409],
    ['partner_not_eligible', 409],
  ];
  it.each(table)('answers %s with %i and its message', async (code, status) => {
    const answer = domainErrorResponse(new DomainError(code, 'What went wrong.'));
    expect(answer.status).toBe(status);
    expect(await answer.text()).toBe('What went wrong.');
  });

  it('treats invalid input as a conflict where the route checked every field first', () => {
    const error = new DomainError('invalid_input', 'Already decided.');
    expect(domainErrorStatus(error, { invalidInputIsConflict: true })).toBe(409);
    expect(domainErrorStatus(new DomainError('not_found', 'Gone.'), { invalidInputIsConflict: true })).toBe(
      404,
    );
  });
});

describe('the loader wrapper', () => {
  const loader = routeLoader(async ({ request }: { request: Request }) => {
    if (request.url.endsWith('fail')) throw new DomainError('deadline_passed', 'Too late.');
    return { ok: true };
  });

  it('is marked as the kit’s', () => {
    expect(usesRouteKit(loader)).toBe(true);
    expect(usesRouteKit(async () => null)).toBe(false);
  });

  it('refuses a legacy ?_data= request before the route runs', async () => {
    const refused = await thrown(() => loader({ request: new Request('http://localhost/x?_data=routes/x') }));
    expect(refused.status).toBe(400);
  });

  it('answers a domain error no branch caught with its status', async () => {
    const refused = await thrown(() => loader({ request: new Request('http://localhost/fail') }));
    expect(refused.status).toBe(409);
    expect(await refused.text()).toBe('Too late.');
  });

  it('refuses control characters in any query parameter', async () => {
    const refused = await thrown(() => loader({ request: new Request('http://localhost/x?utm=%07') }));
    expect(refused.status).toBe(400);
    expect(await loader({ request: new Request('http://localhost/x?q=%FF') })).toEqual({ ok: true });
  });
});
