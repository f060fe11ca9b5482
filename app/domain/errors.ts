/**
 * Failures a user or caller can cause. Routes map them to 4xx with their message;
 * anything that is not a DomainError is a bug and becomes a 500 with a log id.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export type DomainErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'offer_not_pending'
  | 'deadline_passed'
  | 'opportunity_not_routable'
  | 'partner_not_eligible';

export const notFound = (what: string, id: number | string) =>
  new DomainError('not_found', `${what} ${id} does not exist.`);

export const invalidInput = (field: string, reason: string) =>
  new DomainError('invalid_input', `${field}: ${reason}`, field);

export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
