import { Alert, Button, Card, Group, Loader, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { isBrokerUnreachable, isLoginRefused, isNotEquities } from "./api";

/** One part of the account (funds, holdings, ...): a titled card with its loading and error states. */
export function BookSection({
  title,
  id,
  isLoading,
  error,
  onRetry,
  retrying,
  children,
}: {
  title: string;
  id: string;
  isLoading: boolean;
  error: unknown;
  onRetry: () => void;
  retrying: boolean;
  children: ReactNode;
}) {
  return (
    <Card withBorder component="section" aria-labelledby={`${id}-title`} data-testid={`${id}-section`}>
      <Stack gap="sm">
        <Title order={3} size="h4" id={`${id}-title`}>
          {title}
        </Title>
        {isLoading ? (
          <Group justify="center" p="md" role="status" aria-label={`Loading ${title.toLowerCase()}`}>
            <Loader size="sm" />
          </Group>
        ) : error ? (
          <SectionError error={error} onRetry={onRetry} retrying={retrying} />
        ) : (
          children
        )}
      </Stack>
    </Card>
  );
}

function SectionError({ error, onRetry, retrying }: { error: unknown; onRetry: () => void; retrying: boolean }) {
  const message = error instanceof Error ? error.message : String(error);
  if (isNotEquities(error)) {
    return (
      <Alert color="gray" title="Not an equities account" role="alert">
        {message}
      </Alert>
    );
  }
  const unreachable = isBrokerUnreachable(error);
  const title = unreachable ? "Broker unreachable" : isLoginRefused(error) ? "The broker refused the login" : "Could not load this";
  const text = unreachable
    ? `The broker cannot be reached right now. ${message}`
    : isLoginRefused(error)
      ? `${message} Check the account's credentials: remove it and connect it again with the right ones.`
      : message;
  return (
    <Alert color={unreachable ? "orange" : "red"} title={title} role="alert" data-testid="book-error">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{text}</Text>
        <Button size="xs" variant="default" onClick={onRetry} loading={retrying}>
          Retry
        </Button>
      </Stack>
    </Alert>
  );
}
