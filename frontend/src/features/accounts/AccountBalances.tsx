import { Anchor, Popover, Stack, Table, Text } from "@mantine/core";
import type { ExchangeAccount } from "@/api/types";
import { formatDecimal, formatTime, timeAgo, toNumber } from "@/lib/format";

type AssetBalance = ExchangeAccount["balances"][number];

const SHOWN = 3;

// Amounts of different assets do not compare: the usual quote assets first, then A-Z.
const QUOTES = ["USDT", "USDC", "USD", "EUR", "INR", "BTC"];
function rank(balance: AssetBalance): number {
  const index = QUOTES.indexOf(balance.asset);
  return index === -1 ? QUOTES.length : index;
}

export function sortedBalances(balances: AssetBalance[]): AssetBalance[] {
  return [...balances].sort((a, b) => rank(a) - rank(b) || a.asset.localeCompare(b.asset));
}

function Line({ balance }: { balance: AssetBalance }) {
  const locked = (toNumber(balance.total) ?? 0) - (toNumber(balance.free) ?? 0);
  return (
    <Text size="sm" ff="monospace" data-asset={balance.asset}>
      {formatDecimal(balance.total)} {balance.asset}
      {locked > 0 && (
        <Text span size="xs" c="dimmed" ff="inherit">
          {" "}
          ({formatDecimal(balance.free)} free)
        </Text>
      )}
    </Text>
  );
}

/** The balances the last successful validation read, with when it read them. */
export function AccountBalances({ account }: { account: ExchangeAccount }) {
  if (!account.balances_at) {
    return (
      <Text size="xs" c="dimmed">
        not read yet: validate the account
      </Text>
    );
  }
  const balances = sortedBalances(account.balances);
  const rest = balances.slice(SHOWN);
  return (
    <Stack gap={0} data-testid="account-balances">
      {balances.length === 0 && <Text size="sm">empty</Text>}
      {balances.slice(0, SHOWN).map((balance) => (
        <Line key={balance.asset} balance={balance} />
      ))}
      {rest.length > 0 && (
        <Popover position="bottom-start" withArrow shadow="md">
          <Popover.Target>
            <Anchor component="button" type="button" size="xs">
              +{rest.length} more
            </Anchor>
          </Popover.Target>
          <Popover.Dropdown>
            <Table withRowBorders={false} verticalSpacing={2}>
              <Table.Tbody>
                {balances.map((balance) => (
                  <Table.Tr key={balance.asset}>
                    <Table.Td>
                      <Line balance={balance} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Popover.Dropdown>
        </Popover>
      )}
      <Text size="xs" c="dimmed" title={formatTime(account.balances_at)}>
        as of {timeAgo(account.balances_at)}
      </Text>
    </Stack>
  );
}
