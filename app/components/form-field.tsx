import type { ReactNode } from 'react';

/** What a labelled control receives: its id, name, typed value and its error's wiring. */
export interface ControlProps {
  id: string;
  name: string;
  defaultValue: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/**
 * A form field: label, the control the caller renders, and the refusal's reason right under
 * it, tied to the control by aria-describedby so a screen reader reads it with the field.
 */
export function Field({
  name,
  label,
  error,
  defaultValue,
  children,
}: {
  name: string;
  label: string;
  error?: string;
  defaultValue: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name,
        defaultValue,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': error ? `${id}-error` : undefined,
      })}
      <FieldError name={name} error={error} />
    </div>
  );
}

/** The reason a field was refused, with the id `Field` points its control at. */
export function FieldError({ name, error }: { name: string; error?: string }) {
  return error ? (
    <p id={`field-${name}-error`} className="field__error">
      {error}
    </p>
  ) : null;
}
