import type { ApiError } from "./api/client";

/** "", "  " → null; otherwise the trimmed text. */
export function optionalText(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** "1,820.50" → 1820.5; "" → null; anything else → NaN (the caller reports it on the field). */
export function parseAmount(value: string): number | null {
  const trimmed = value.trim().replace(/[,_\s]/g, "");
  if (trimmed === "") return null;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/**
 * Splits a failed mutation into messages per input field and the rest. The server
 * names fields from the mutation's input ("runs[0].runDir"); `stripPrefix` removes
 * the part the form does not show ("runs[0].").
 */
export function splitErrors(error: ApiError, stripPrefix = ""): { fieldErrors: Record<string, string>; formErrors: string[] } {
  const fieldErrors: Record<string, string> = {};
  const formErrors: string[] = [];
  for (const e of error.errors) {
    const field = e.field?.startsWith(stripPrefix) ? e.field.slice(stripPrefix.length) : e.field;
    if (field && !(field in fieldErrors) && (e.code === "BAD_USER_INPUT" || e.code === "CONFLICT")) fieldErrors[field] = e.message;
    else formErrors.push(e.code === "FORBIDDEN" ? `${e.message} (your role cannot do this)` : e.message);
  }
  return { fieldErrors, formErrors };
}
