import { Card, SimpleGrid, Text } from "@mantine/core";
import type { EquityFunds } from "@/api/types";
import { formatInr } from "./money";
import { contrast } from "./tone";

const CARDS: [keyof EquityFunds, string, string][] = [
  ["available_cash", "Available cash", "What new buy orders can use"],
  ["used_margin", "Used margin", "Held by open orders and today's positions"],
  ["collateral", "Collateral", "Cash and pledged shares counted as margin"],
  ["total", "Total", "As the broker adds it up"],
];

export function FundsCards({ funds }: { funds: EquityFunds }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} data-testid="funds-cards">
      {CARDS.map(([field, label, hint]) => (
        <Card key={field} withBorder padding="sm" data-testid={`funds-${field}`}>
          <Text size="xs" className={contrast.muted} tt="uppercase" fw={700}>
            {label}
          </Text>
          <Text fw={700} size="lg">
            {formatInr(funds[field], funds.currency)}
          </Text>
          <Text size="xs" className={contrast.muted}>
            {hint}
          </Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}
