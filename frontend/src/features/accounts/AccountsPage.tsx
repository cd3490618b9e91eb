import { Alert, Badge, Button, Card, Group, Modal, SegmentedControl, Stack, Table, Text, Tooltip } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import type { Exchange, ExchangeAccount } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { formatTime } from "@/lib/format";
import { ConfirmButton, PageHeader, QueryState } from "@/lib/ui";
import { AccountBalances } from "./AccountBalances";
import { AddAccountForm } from "./AddAccountForm";
import { useAccountActions, useAccounts, useExchanges } from "./api";
import { ASSET_CLASS_LABELS, equityAccountPath, isEquities, isKeyless } from "./catalog";

/** What tells this account apart, e.g. "main · used when an alert names no account · Crypto":
 * the label only when the user chose one, and "default" said in words. */
export function accountSubtitle(account: ExchangeAccount, exchange: Exchange | undefined): string {
  return [
    account.label !== "default" ? account.label : null,
    account.is_default ? "used when an alert names no account" : null,
    account.price_source ? `prices from ${account.price_source}` : null,
    exchange ? (ASSET_CLASS_LABELS[exchange.asset_class] ?? exchange.asset_class) : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

function AccountRow({ account, exchange }: { account: ExchangeAccount; exchange: Exchange | undefined }) {
  const { validate, setMode, remove } = useAccountActions();
  const modes = exchange?.modes ?? ["testnet", "live"];
  const equities = isEquities(exchange);
  return (
    <Table.Tr data-account={`${account.exchange}:${account.label}`} data-asset-class={exchange?.asset_class}>
      <Table.Td>
        <Text fw={600} title={account.exchange}>
          {exchange?.name ?? account.exchange}
        </Text>
        <Text size="xs" c="dimmed" data-testid="account-subtitle">
          {accountSubtitle(account, exchange)}
        </Text>
      </Table.Td>
      <Table.Td>
        {modes.length > 1 ? (
          <SegmentedControl
            size="xs"
            data={modes}
            value={account.mode}
            onChange={(mode) => setMode.mutate({ account, mode: mode as "testnet" | "live" })}
            aria-label="Mode"
          />
        ) : (
          <Badge variant="outline">{account.mode}</Badge>
        )}
      </Table.Td>
      <Table.Td>
        {exchange && isKeyless(exchange) ? (
          <Text size="xs" c="dimmed" data-testid="no-key">
            built in, no key
          </Text>
        ) : (
          <Text ff="monospace" size="sm">
            {account.api_key || "—"}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {account.is_validated ? (
          <Badge color="teal" data-testid="account-validated">
            Validated
          </Badge>
        ) : account.last_error ? (
          <Tooltip label={account.last_error} multiline w={300}>
            <Badge color="red">Failed</Badge>
          </Tooltip>
        ) : (
          <Badge color="gray">Not yet</Badge>
        )}
        <Text size="xs" c="dimmed">
          {formatTime(account.last_validated)}
        </Text>
      </Table.Td>
      <Table.Td>
        <AccountBalances account={account} />
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          {equities && (
            <Button size="xs" component={Link} to={equityAccountPath(account)} aria-label={`Holdings & orders of ${account.exchange} (${account.label})`}>
              Holdings &amp; orders
            </Button>
          )}
          <Button size="xs" variant="light" loading={validate.isPending} onClick={() => validate.mutate(account)}>
            Validate
          </Button>
          <ConfirmButton
            size="xs"
            title="Remove this account?"
            message={`${account.exchange} (${account.label}) and its stored key are deleted. Open positions on it are not closed.`}
            confirmLabel="Remove"
            onConfirm={() => remove.mutateAsync(account).catch(() => undefined)}
          >
            Delete
          </ConfirmButton>
        </Group>
        {(validate.error || setMode.error || remove.error) && <ErrorAlert error={validate.error ?? setMode.error ?? remove.error} />}
      </Table.Td>
    </Table.Tr>
  );
}

export default function AccountsPage() {
  const accounts = useAccounts();
  const exchanges = useExchanges();
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState(false);
  const rows = accounts.data?.results ?? [];
  const catalog = exchanges.data ?? [];
  return (
    <Stack>
      <PageHeader title="Exchange accounts" description="The crypto and NSE equities accounts you trade on. Keys are encrypted at rest; secrets are never shown again.">
        <Button onClick={() => setAdding(true)}>Add account</Button>
      </PageHeader>
      {added && (
        <Alert color="teal" withCloseButton onClose={() => setAdded(false)} title="Account added">
          The secret is stored encrypted and is never shown again. It is being validated in the background.
        </Alert>
      )}
      <Card withBorder>
        <QueryState isLoading={accounts.isLoading} error={accounts.error}>
          {rows.length ? (
            <Table.ScrollContainer minWidth={1040}>
              <Table verticalSpacing="sm" data-testid="accounts-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Exchange</Table.Th>
                    <Table.Th>Mode</Table.Th>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Validation</Table.Th>
                    <Table.Th>Balance</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((account) => (
                    <AccountRow key={account.id} account={account} exchange={catalog.find((e) => e.id === account.exchange)} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : (
            <Text c="dimmed" ta="center" p="md">
              No exchange account yet. Add the simulator to paper-trade at once.
            </Text>
          )}
        </QueryState>
      </Card>
      <Modal opened={adding} onClose={() => setAdding(false)} title="Add an exchange account" size="lg">
        <AddAccountForm
          exchanges={catalog}
          onDone={() => {
            setAdding(false);
            setAdded(true);
          }}
        />
      </Modal>
    </Stack>
  );
}
