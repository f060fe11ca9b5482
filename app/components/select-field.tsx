import type { SelectHTMLAttributes } from 'react';
import { Field, type ControlProps, type FieldProps } from './form-field';

export interface SelectOption {
  value: string;
  label: string;
}

/** A labelled `<select>` over `{ value, label }` options, its hint and its error wired to it. */
export function SelectField({
  name,
  label,
  error,
  defaultValue,
  hint,
  id,
  options,
  placeholder,
  ...select
}: FieldProps &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, keyof ControlProps | 'children' | 'value'> & {
    options: readonly SelectOption[];
    /**
     * A first option with the empty value ("Choose…", "Any status"). `disabled` keeps it from
     * being chosen again once something is, where the field has no "none" answer.
     */
    placeholder?: { label: string; disabled?: boolean };
  }) {
  return (
    <Field name={name} label={label} error={error} defaultValue={defaultValue} hint={hint} id={id}>
      {(control) => (
        <select {...select} {...control}>
          {placeholder ? (
            <option value="" disabled={placeholder.disabled}>
              {placeholder.label}
            </option>
          ) : null}
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
