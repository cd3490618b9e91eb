import { Card, Title } from "@mantine/core";

// Replaced by the delete-account card (accounts/deletion).
export function DeleteAccountCard() {
  return (
    <Card withBorder id="delete">
      <Title order={2} size="h4">
        Delete my account
      </Title>
    </Card>
  );
}
