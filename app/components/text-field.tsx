import type { InputHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { Field, type ControlProps, type FieldProps } from './form-field';

/** The attributes `Field` owns; everything else (type, autoComplete, required …) is the caller's. */
type Wired = keyof ControlProps | 'children' | 'value';

/** A labelled text input: `<input>` of any text-like type, its hint and its error wired to it. */
export function TextField({
  name,
  label,
  error,
  defaultValue,
  hint,
  id,
  ...input
}: FieldProps & Omit<InputHTMLAttributes<HTMLInputElement>, Wired>) {
  return (
    <Field name={name} label={label} error={error} defaultValue={defaultValue} hint={hint} id={id}>
      {(control) => <input type="text" {...input} {...control} />}
    </Field>
  );
}

/** A labelled `<textarea>`, wired like `TextField`. */
export function TextAreaField({
  name,
  label,
  error,
  defaultValue,
  hint,
  id,
  ...textarea
}: FieldProps & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, Wired>) {
  return (
    <Field name={name} label={label} error={error} defaultValue={defaultValue} hint={hint} id={id}>
      {(control) => <textarea {...textarea} {...control} />}
    </Field>
  );
}
