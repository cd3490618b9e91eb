import { Alert } from "@mantine/core";
import { formError } from "./errors";

export function ErrorAlert({ error, shownFields, title }: { error: unknown; shownFields?: string[]; title?: string }) {
  const message = formError(error, shownFields);
  if (!message) return null;
  return (
    <Alert color="red" title={title ?? "Something went wrong"} role="alert">
      {message}
    </Alert>
  );
}
