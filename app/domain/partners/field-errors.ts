import type { z } from 'zod';

/** Field name → the first reason it was refused, ready to print next to that field. */
export type FieldErrors = Record<string, string>;

/**
 * One message per form field. Nested paths collapse onto the field the form shows: a bad
 * element of a list is reported on the list, while each weight has a field of its own.
 */
export function fieldErrorsOf(error: z.ZodError, fieldsWithChildren: readonly string[] = []): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const [head, child] = issue.path;
    if (head === undefined) continue;
    const field =
      fieldsWithChildren.includes(String(head)) && child !== undefined
        ? `${String(head)}.${String(child)}`
        : String(head);
    errors[field] ??= describeIssue(issue);
  }
  return errors;
}

/** Zod's default wording speaks to programmers; these speak to the person filling the form. */
function describeIssue(issue: z.core.$ZodIssue): string {
  // A message written in a schema is kept; only zod's defaults are reworded.
  if (!/^(Too small|Too big|Invalid input)/.test(issue.message)) return sentence(issue.message);
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'array')
        return Number(issue.minimum) === 1 ? 'Give at least one.' : `Give at least ${issue.minimum}.`;
      if (issue.origin === 'string') return 'Fill this in.';
      return `Must be at least ${issue.minimum}.`;
    case 'too_big':
      if (issue.origin === 'array') return `Give at most ${issue.maximum}.`;
      if (issue.origin === 'string') return `Use at most ${issue.maximum} characters.`;
      return `Must be at most ${issue.maximum}.`;
    case 'invalid_type':
      return issue.expected === 'number' || issue.expected === 'int' ? 'Enter a number.' : 'Fill this in.';
    default:
      return sentence(issue.message);
  }
}

const sentence = (message: string) =>
  message.charAt(0).toUpperCase() + message.slice(1).replace(/([^.?!])$/, '$1.');
