/** A small form that sends one write and shows its refusal (422 by field, other problems with their rule). */
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, describeError } from '../api/client';

export interface WriteForm {
  busy: boolean;
  error: unknown;
  fieldError(field: string): string | undefined;
  submit(write: () => Promise<unknown>, after?: () => void): (event: FormEvent) => void;
}

export function useWriteForm(): WriteForm {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return {
    busy,
    error,
    fieldError: (field) => (error instanceof ApiError ? error.fieldMessage(field) : undefined),
    submit: (write, after) => (event) => {
      event.preventDefault();
      setBusy(true);
      setError(null);
      write()
        .then(() => after?.())
        .catch(setError)
        .finally(() => setBusy(false));
    },
  };
}

/** The refusal of a write, unless every message is shown next to its field already. */
export function WriteError({ form, fields = [] }: { form: WriteForm; fields?: string[] }): ReactNode {
  const { error } = form;
  if (error === null) return null;
  if (error instanceof ApiError && error.problem.errors?.length && error.problem.errors.every((problem) => fields.some((field) => problem.field === field || problem.field.startsWith(`${field}.`))))
    return null;
  const rule = error instanceof ApiError && error.problem.rule ? error.problem.rule : undefined;
  return (
    <div className="error" role="alert">
      <p>{error instanceof ApiError ? (error.problem.errors?.map((problem) => `${problem.field}: ${problem.message}`).join('; ') || error.problem.detail) : describeError(error)}</p>
      {rule && (
        <p className="rule">
          Rule: <code>{rule}</code>
        </p>
      )}
    </div>
  );
}
