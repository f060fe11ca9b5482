import type { ReactNode } from 'react';

/** What a labelled control receives: its id, name, typed value and its hint's and error's wiring. */
export interface ControlProps {
  id: string;
  name: string;
  defaultValue: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/** What every labelled field takes, whatever control it renders. */
export interface FieldProps {
  name: string;
  label: string;
  error?: string;
  defaultValue?: string;
  /** A sentence shown under the label and read with the control (the rule the value must meet). */
  hint?: ReactNode;
  /** The control's id when a page's links or scripts already rely on one; else `field-<name>`. */
  id?: string;
}

/**
 * A form field: label, hint, the control the caller renders, and the refusal's reason right
 * under it, both tied to the control by aria-describedby so a screen reader reads them with it.
 */
export function Field({
  name,
  label,
  error,
  defaultValue = '',
  hint,
  id = `field-${name}`,
  children,
}: FieldProps & { children: (props: ControlProps) => ReactNode }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      {children({
        id,
        name,
        defaultValue,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy || undefined,
      })}
      <FieldError id={id} error={error} />
    </div>
  );
}

/**
 * The reason a field was refused, with the id `Field` points its control at: `<id>-error`, the
 * id being the control's (`field-<name>` unless the field names another).
 */
export function FieldError({
  error,
  ...control
}: { error?: string } & ({ name: string; id?: undefined } | { id: string; name?: undefined })) {
  const id = control.id ?? `field-${control.name}`;
  return error ? (
    <p id={`${id}-error`} className="field__error">
      {error}
    </p>
  ) : null;
}
