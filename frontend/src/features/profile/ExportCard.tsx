import { Card, Title } from "@mantine/core";

// Replaced by the export card (accounts/export).
export function ExportCard() {
  return (
    <Card withBorder id="export">
      <Title order={2} size="h4">
        Export my data
      </Title>
    </Card>
  );
}
