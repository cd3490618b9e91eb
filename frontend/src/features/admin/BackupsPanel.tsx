import { Text } from "@mantine/core";

// Replaced by the backups panel (ops/backups/api).
export function BackupsPanel() {
  return <Text size="sm">Backups</Text>;
}
