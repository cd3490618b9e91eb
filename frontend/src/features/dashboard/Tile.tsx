import { Card, Text } from "@mantine/core";

/** A dashboard card: a small uppercase label over its content. */
export function Tile({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <Card withBorder padding="md" data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} mb={4}>
        {label}
      </Text>
      {children}
    </Card>
  );
}
