import type { InputHTMLAttributes, ReactNode } from "react";

/** The DOM id of the input for a field path such as "finances[0].year". */
export function fieldId(path: string): string {
  return "field-" + path.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, "");
}

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name"> {
  /** The input's path in the mutation's input ("name", "finances[0].year"): server errors name it. */
  path: string;
  label: ReactNode;
  /** The message for this field, from the client's checks or the server's BAD_USER_INPUT / CONFLICT answer. */
  error?: string;
  hint?: ReactNode;
}

/** A labelled input whose error is tied to it with aria-invalid and aria-describedby. */
export function Field({ path, label, error, hint, required, ...input }: FieldProps) {
  const id = fieldId(path);
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field has-error" : "field"}>
      <label htmlFor={id}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      <input id={id} name={path} required={required} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

export interface ErrorSummaryProps {
  /** Messages by field path; each links to its input. */
  fieldErrors: Record<string, string>;
  /** Errors that belong to no field. */
  formErrors: string[];
  /** Labels for field paths, so the summary reads "Name: ..." instead of "name: ...". */
  labelOf: (path: string) => string;
}

/** The list of what to fix at the top of a form, announced as an alert. */
export function ErrorSummary({ fieldErrors, formErrors, labelOf }: ErrorSummaryProps) {
  const fields = Object.entries(fieldErrors);
  if (fields.length === 0 && formErrors.length === 0) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1}>
      <p className="state-title">The form was not saved:</p>
      <ul>
        {formErrors.map((message) => (
          <li key={message}>{message}</li>
        ))}
        {fields.map(([path, message]) => (
          <li key={path}>
            <a href={`#${fieldId(path)}`}>
              {labelOf(path)}: {message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
