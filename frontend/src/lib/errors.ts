import { ApiError } from "@/api/client";

/** The message for one field (or any of its nested fields, e.g. `levels`), for a form input. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const direct = error.fieldErrors[field];
  if (direct?.length) return direct.join(" ");
  return undefined;
}

/** Errors not shown next to a field: the detail, or non_field_errors. */
export function formError(error: unknown, shownFields: string[] = []): string | undefined {
  if (!error) return undefined;
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const others = Object.entries(error.fieldErrors).filter(
    ([field]) => !shownFields.some((shown) => field === shown || field.startsWith(`${shown}.`)),
  );
  if (Object.keys(error.fieldErrors).length && !others.length) return undefined;
  if (others.length) return others.map(([field, messages]) => (field === "non_field_errors" ? messages.join(" ") : `${field}: ${messages.join(" ")}`)).join(" ");
  return error.message;
}
