import { Button, CopyButton, Group, Text } from "@mantine/core";

export function CopyField({ label, value, mono = true, testId }: { label: string; value: string; mono?: boolean; testId?: string }) {
  return (
    <div>
      <Text size="sm" fw={500} mb={4}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="center">
        <Text ff={mono ? "monospace" : undefined} size="sm" style={{ wordBreak: "break-all", flex: 1 }} data-testid={testId}>
          {value}
        </Text>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" color={copied ? "teal" : "blue"} onClick={copy}>
              {copied ? "Copied" : "Copy"}
            </Button>
          )}
        </CopyButton>
      </Group>
    </div>
  );
}
