import { Alert, Button, Group, PasswordInput, Select, Stack, Text, TextInput } from "@mantine/core";
import { useState, type ChangeEvent, type FormEvent } from "react";
import type { CredentialField, Exchange, ExchangeAccountCreate } from "@/api/types";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError, formError } from "@/lib/errors";
import { useAccountActions } from "./api";
import { ASSET_CLASS_LABELS, exchangeGroups, isKeyless } from "./catalog";

const FORM_FIELDS = ["mode", "label", "price_source", "exchange"];
// Every credential the API takes, empty unless the chosen exchange's catalogue entry asks for it.
const NO_CREDENTIALS: Omit<ExchangeAccountCreate, "mode" | "label" | "price_source"> = {
  api_key: "",
  api_secret: "",
  password: "",
  mobile_number: "",
  ucc: "",
  mpin: "",
  totp_secret: "",
};

function CredentialInput({ field, value, onChange, error }: { field: CredentialField; value: string; onChange: (value: string) => void; error: string | undefined }) {
  const common = {
    label: field.label,
    description: field.help || undefined,
    value,
    error,
    // Mantine marks a TextInput invalid but not the input inside a PasswordInput: say it for both.
    "aria-invalid": Boolean(error),
    name: field.name,
    onChange: (event: ChangeEvent<HTMLInputElement>) => onChange(event.currentTarget.value),
  };
  // Secrets are typed once, sent once, and never shown again: no autofill into them, no echo.
  return field.secret ? <PasswordInput {...common} autoComplete="new-password" /> : <TextInput {...common} autoComplete="off" />;
}

export function AddAccountForm({ exchanges, onDone }: { exchanges: Exchange[]; onDone: () => void }) {
  const { create } = useAccountActions();
  const [exchange, setExchange] = useState<string | null>("simulator");
  const [mode, setMode] = useState<string | null>("testnet");
  const [label, setLabel] = useState("default");
  const [credentials, setCredentials] = useState<Record<string, string>>({});
  const [priceSource, setPriceSource] = useState("");
  const chosen = exchanges.find((e) => e.id === exchange);
  // The built-in simulators and paper accounts are made for the user: never ask them for a key.
  const fields = chosen && !isKeyless(chosen) ? chosen.credential_fields : [];
  const shownFields = [...FORM_FIELDS, ...fields.map((field) => field.name)];
  const refusedAtFields = create.error && !formError(create.error, shownFields);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!exchange || !mode) return;
    const sent = Object.fromEntries(fields.map((field) => [field.name, (credentials[field.name] ?? "").trim()]));
    try {
      await create.mutateAsync({
        exchange,
        body: { ...NO_CREDENTIALS, ...sent, mode: mode as "testnet" | "live", label, price_source: chosen?.kind === "paper" ? priceSource : "" },
      });
      // The secrets leave the browser's memory now: they are never shown again.
      setCredentials({});
      onDone();
    } catch {
      /* shown below */
    }
  };

  return (
    <form onSubmit={submit} aria-label="Add an exchange account">
      <Stack>
        <Select
          label="Exchange"
          searchable
          data={exchangeGroups(exchanges)}
          value={exchange}
          onChange={(value) => {
            setExchange(value);
            setCredentials({});
            create.reset();
            const modes = exchanges.find((e) => e.id === value)?.modes ?? [];
            if (!mode || !modes.includes(mode)) setMode(modes[0] ?? null);
          }}
          error={fieldError(create.error, "exchange")}
          allowDeselect={false}
        />
        {chosen && (
          <Text size="xs" c="dimmed" mt={-8} data-testid="asset-class">
            {ASSET_CLASS_LABELS[chosen.asset_class] ?? chosen.asset_class}
          </Text>
        )}
        <Select label="Mode" data={(chosen?.modes ?? ["testnet", "live"]).map((m) => ({ value: m, label: m }))} value={mode} onChange={setMode} allowDeselect={false} error={fieldError(create.error, "mode")} />
        <TextInput label="Label" description="To tell several accounts on one exchange apart" value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={fieldError(create.error, "label")} />
        {chosen && isKeyless(chosen) && !fields.length && (
          <Text size="sm" c="dimmed" data-testid="keyless-hint">
            {chosen.kind === "paper"
              ? "Paper accounts need no key; they fill against the prices of the source named below."
              : "No credentials needed: the simulator makes a funded test account for you."}
          </Text>
        )}
        {fields.map((field) => (
          <CredentialInput
            key={`${exchange}-${field.name}`}
            field={field}
            value={credentials[field.name] ?? ""}
            onChange={(value) => setCredentials((current) => ({ ...current, [field.name]: value }))}
            error={fieldError(create.error, field.name)}
          />
        ))}
        {chosen?.kind === "paper" && (
          <TextInput
            label="Price source"
            placeholder={chosen.asset_class === "equities" ? "kotak_simulator" : "binance"}
            value={priceSource}
            onChange={(e) => setPriceSource(e.currentTarget.value)}
            error={fieldError(create.error, "price_source")}
          />
        )}
        {refusedAtFields ? (
          <Alert color="red" title="The account was not added" role="alert">
            Correct the fields marked in red.
          </Alert>
        ) : (
          <ErrorAlert error={create.error} shownFields={shownFields} title="The account was not added" />
        )}
        {mode === "live" && !(chosen && isKeyless(chosen)) && (
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
