// Small pieces every page uses.
import { Alert, Badge, Button, Group, Loader, Modal, Stack, Text, Title } from "@mantine/core";
import { useState, type ReactNode } from "react";

/** The page's title, its one h1 (the shell's brand is not a heading), at the size of an h2. */
export function PageHeader({ title, children, description }: { title: string; children?: ReactNode; description?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-start" mb="md" wrap="wrap">
      <Stack gap={2}>
        <Title order={1} size="h2">
          {title}
        </Title>
        {description && (
          <Text c="dimmed" size="sm">
            {description}
          </Text>
        )}
      </Stack>
      {children && <Group gap="xs">{children}</Group>}
    </Group>
  );
}

/** Loading and error states of a query, then the content. */
export function QueryState({ isLoading, error, children }: { isLoading: boolean; error: unknown; children: ReactNode }) {
  if (isLoading) {
    return (
      <Group justify="center" p="xl">
        <Loader />
      </Group>
    );
  }
  if (error) {
    return (
      <Alert color="red" title="Could not load this" role="alert">
        {error instanceof Error ? error.message : String(error)}
      </Alert>
    );
  }
  return <>{children}</>;
}

const STATUS_COLORS: Record<string, string> = {
  waiting: "gray",
  live: "blue",
  partially_filled: "cyan",
  active: "teal",
  closing: "orange",
  closed: "dark",
  failed: "red",
  pending: "gray",
  submitting: "gray",
  open: "blue",
  filled: "teal",
  cancelled: "gray",
  none: "gray",
  placed: "blue",
  hit: "teal",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? "gray"} variant="light" data-status={status} style={{ flexShrink: 0 }}>
      {status.replace(/_/g, " ")}
    </Badge>
  );
}

/** A button that asks first. */
export function ConfirmButton({
  children,
  title,
  message,
  confirmLabel = "Confirm",
  onConfirm,
  color = "red",
  loading,
  disabled,
  size = "sm",
  variant,
}: {
  children: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  onConfirm: () => void | Promise<unknown>;
  color?: string;
  loading?: boolean;
  disabled?: boolean;
  size?: string;
  variant?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button color={color} size={size} variant={variant ?? "light"} onClick={() => setOpen(true)} loading={loading} disabled={disabled}>
        {children}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              color={color}
              onClick={async () => {
                setOpen(false);
                await onConfirm();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
