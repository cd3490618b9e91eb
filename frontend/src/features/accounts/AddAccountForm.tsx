import { Alert, Button, Group, PasswordInput, Select, Stack, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import type { Exchange } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { useAccountActions } from "./api";

const FIELDS = ["mode", "api_key", "api_secret", "password", "label", "price_source", "exchange"];

export function AddAccountForm({ exchanges, onDone }: { exchanges: Exchange[]; onDone: () => void }) {
  const { create } = useAccountActions();
  const [exchange, setExchange] = useState<string | null>("simulator");
  const [mode, setMode] = useState<string | null>("testnet");
  const [label, setLabel] = useState("default");
  const [apiKey, setApiKey] = useState("");
  const [apiSecret, setApiSecret] = useState("");
  const [password, setPassword] = useState("");
  const [priceSource, setPriceSource] = useState("");
  const chosen = exchanges.find((e) => e.id === exchange);
  const keyless = chosen?.kind === "simulator" || chosen?.kind === "paper";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!exchange || !mode) return;
    try {
      await create.mutateAsync({
        exchange,
        body: { mode: mode as "testnet" | "live", label, api_key: apiKey, api_secret: apiSecret, password, price_source: priceSource },
      });
      // The secret leaves the browser's memory now: it is never shown again.
      setApiKey("");
      setApiSecret("");
      setPassword("");
      onDone();
    } catch {
      /* shown below */
    }
  };

  return (
    <form onSubmit={submit}>
      <Stack>
        <Select
          label="Exchange"
          searchable
          data={exchanges.map((e) => ({ value: e.id, label: `${e.name} (${e.kind})` }))}
          value={exchange}
          onChange={(value) => {
            setExchange(value);
            const modes = exchanges.find((e) => e.id === value)?.modes ?? [];
            if (mode && !modes.includes(mode)) setMode(modes[0] ?? null);
          }}
          error={fieldError(create.error, "exchange")}
          allowDeselect={false}
        />
        <Select label="Mode" data={(chosen?.modes ?? ["testnet", "live"]).map((m) => ({ value: m, label: m }))} value={mode} onChange={setMode} allowDeselect={false} error={fieldError(create.error, "mode")} />
        <TextInput label="Label" description="To tell several accounts on one exchange apart" value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={fieldError(create.error, "label")} />
        {keyless && (
          <Text size="sm" c="dimmed">
            {chosen?.kind === "simulator"
              ? "Leave the key empty: the simulator makes a funded test key for you."
              : "Paper accounts need no key; they fill against the prices of the exchange named below."}
          </Text>
        )}
        <TextInput label="API key" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.currentTarget.value)} error={fieldError(create.error, "api_key")} />
        <PasswordInput label="API secret" autoComplete="new-password" description="Stored encrypted; never shown again after saving" value={apiSecret} onChange={(e) => setApiSecret(e.currentTarget.value)} error={fieldError(create.error, "api_secret")} />
        <PasswordInput label="Passphrase (OKX, KuCoin, ...)" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError(create.error, "password")} />
        {chosen?.kind === "paper" && (
          <TextInput label="Price source" placeholder="binance" value={priceSource} onChange={(e) => setPriceSource(e.currentTarget.value)} error={fieldError(create.error, "price_source")} />
        )}
        <ErrorAlert error={create.error} shownFields={FIELDS} title="The account was not added" />
        {mode === "live" && (
          <Alert color="orange" title="Live mode">
            Orders on this account use real funds.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            Add account
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
