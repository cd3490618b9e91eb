import { Alert, Anchor, Badge, Button, Group, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { keys } from "@/api/keys";
import { formatTime } from "@/lib/format";
import { PageHeader } from "@/lib/ui";
import { useAccounts, useExchanges } from "../accounts/api";
import { useEquityBook } from "./api";
import { contrast } from "./tone";
import { BookSection } from "./BookSection";
import { EquityPositionsTable } from "./EquityPositionsTable";
import { FundsCards } from "./FundsCards";
import { HoldingsTable } from "./HoldingsTable";
import { OrderBookTable } from "./OrderBookTable";

/** An NSE equities account as the broker reports it now: funds, holdings, positions, order book. */
export default function EquityAccountPage() {
  const { exchange = "", label = "" } = useParams();
  const client = useQueryClient();
  const funds = useEquityBook(exchange, label, "funds");
  const holdings = useEquityBook(exchange, label, "holdings");
  const positions = useEquityBook(exchange, label, "positions");
  const orders = useEquityBook(exchange, label, "orders");
  const catalog = useExchanges();
  const accounts = useAccounts();
  const account = accounts.data?.results.find((a) => a.exchange === exchange && a.label === label);
  const name = catalog.data?.find((e) => e.id === exchange)?.name ?? exchange;
  const parts = [funds, holdings, positions, orders];
  const fetching = parts.some((part) => part.isFetching);
  const updated = Math.max(...parts.map((part) => part.dataUpdatedAt));

  const back = (
    <Anchor component={Link} to="/accounts" size="sm" className={contrast.link}>
      ← Exchange accounts
    </Anchor>
  );
  if (accounts.data && !account) {
    return (
      <Stack>
        {back}
        <Alert color="gray" title="No such account" role="alert">
          You have no account on {name} labelled “{label}”.
        </Alert>
      </Stack>
    );
  }

  return (
    <Stack>
      {back}
      <PageHeader title={`${name} · ${label}`}>
        {account && (
          <Group gap={6}>
            <Badge variant="default">{account.mode}</Badge>
            {account.is_validated ? (
              <Badge variant="dot" color="teal">
                Validated
              </Badge>
            ) : account.last_error ? (
              <Badge variant="dot" color="red" title={account.last_error}>
                Failed
              </Badge>
            ) : (
              <Badge variant="dot" color="gray">
                Not yet validated
              </Badge>
            )}
          </Group>
        )}
        <Button variant="default" loading={fetching} onClick={() => void client.invalidateQueries({ queryKey: keys.equityBookAll(exchange, label) })}>
          Refresh
        </Button>
      </PageHeader>
      <Text size="sm" className={contrast.muted} mt={-12}>
        NSE equities, amounts in rupees as the broker reports them.{" "}
        {updated > 0 && <span data-testid="book-updated">Updated {formatTime(new Date(updated).toISOString())}.</span>}
      </Text>
      {account?.last_error && (
        <Text size="sm" className={contrast.loss} role="status">
          Last check failed: {account.last_error}
        </Text>
      )}
      <BookSection title="Funds" id="funds" isLoading={funds.isLoading} error={funds.error} onRetry={() => void funds.refetch()} retrying={funds.isFetching}>
        {funds.data && <FundsCards funds={funds.data} />}
      </BookSection>
      <BookSection title="Holdings" id="holdings" isLoading={holdings.isLoading} error={holdings.error} onRetry={() => void holdings.refetch()} retrying={holdings.isFetching}>
        <HoldingsTable holdings={holdings.data ?? []} />
      </BookSection>
      <BookSection title="Positions" id="positions" isLoading={positions.isLoading} error={positions.error} onRetry={() => void positions.refetch()} retrying={positions.isFetching}>
        <EquityPositionsTable positions={positions.data ?? []} />
      </BookSection>
      <BookSection title="Order book" id="orders" isLoading={orders.isLoading} error={orders.error} onRetry={() => void orders.refetch()} retrying={orders.isFetching}>
        <OrderBookTable orders={orders.data ?? []} />
      </BookSection>
    </Stack>
  );
}
