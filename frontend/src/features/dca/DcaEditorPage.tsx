import { Anchor, Button, Card, Grid, Group, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { PageHeader, QueryState } from "@/lib/ui";
import { useAccounts } from "@/features/accounts/api";
import { previewGrid, useDcaConfig, useSaveDcaConfig } from "./api";
import { GridPreview } from "./GridPreview";
import { LevelsEditor } from "./LevelsEditor";
import { draftFrom, emptyDraft, gridBody, writeBody, type DcaDraft } from "./model";

const TP_MODES = [
  { value: "per_leg", label: "Per leg: each filled leg has its own take-profit" },
  { value: "aggregate", label: "Aggregate: one take-profit on the average entry" },
  { value: "hybrid", label: "Hybrid: per leg, and aggregate when it comes first" },
  { value: "pyramid_aggregate", label: "Per pyramid: one take-profit per pyramid" },
];

const SHOWN = [
  "exchange", "symbol", "timeframe", "levels", "base_order", "safety_order", "safety_orders", "step_percent", "step_scale", "volume_scale",
  "active_safety_orders", "entry_order_type", "tp_mode", "tp_aggregate_percent", "trailing_deviation_percent", "stop_loss_percent", "max_pyramids",
  "cancel_dca_beyond_percent", "capital_per_pyramid", "max_total_exposure", "entry_price", "capital", "form",
];

function Field({ label, name, draft, set, error, description }: {
  label: string;
  name: keyof DcaDraft;
  draft: DcaDraft;
  set: (patch: Partial<DcaDraft>) => void;
  error: unknown;
  description?: string;
}) {
  return (
    <TextInput
      label={label}
      description={description}
      value={String(draft[name] ?? "")}
      onChange={(e) => set({ [name]: e.currentTarget.value } as Partial<DcaDraft>)}
      error={fieldError(error, name)}
    />
  );
}

export default function DcaEditorPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const existing = useDcaConfig(id);
  const accounts = useAccounts();
  const save = useSaveDcaConfig(id);
  const [draft, setDraft] = useState<DcaDraft | null>(id ? null : emptyDraft());
  const [entryPrice, setEntryPrice] = useState("100");
  const [capital, setCapital] = useState("1000");

  useEffect(() => {
    if (existing.data && !draft) {
      setDraft(draftFrom(existing.data));
      if (existing.data.capital_per_pyramid) setCapital(existing.data.capital_per_pyramid);
    }
  }, [existing.data, draft]);
  useEffect(() => {
    const first = accounts.data?.results[0]?.exchange;
    if (!id && first && draft && draft.exchange === "simulator" && !accounts.data?.results.some((a) => a.exchange === "simulator")) {
      setDraft({ ...draft, exchange: first });
    }
  }, [accounts.data, id, draft]);

  const set = (patch: Partial<DcaDraft>) => setDraft((current) => (current ? { ...current, ...patch } : current));
  const previewBody = useMemo(
    () => (draft && entryPrice.trim() ? { ...gridBody(draft), exchange: draft.exchange, symbol: draft.symbol, entry_price: entryPrice.trim(), capital: capital.trim() } : null),
    [draft, entryPrice, capital],
  );
  const [debounced] = useDebouncedValue(previewBody, 350);
  const preview = useQuery({
    queryKey: ["dca-preview", debounced],
    queryFn: () => previewGrid(debounced as never),
    enabled: !!debounced && !!debounced.symbol && !!debounced.exchange,
    retry: false,
    staleTime: 60_000,
    placeholderData: (previous) => previous,
  });
  // Errors next to the fields: the save's when there is one, else the live preview's.
  const error = save.error ?? preview.error;
  const exchanges = [...new Set([...(accounts.data?.results.map((a) => a.exchange) ?? []), draft?.exchange ?? "simulator"])];

  const submit = async () => {
    if (!draft) return;
    try {
      await save.mutateAsync(writeBody(draft));
      navigate("/dca");
    } catch {
      /* shown next to the fields */
    }
  };

  return (
    <QueryState isLoading={!!id && existing.isLoading} error={existing.error}>
      {draft && (
        <Stack>
          <Anchor component={Link} to="/dca" size="sm">
            ← DCA configurations
          </Anchor>
          <PageHeader title={id ? `Edit ${draft.symbol}` : "New DCA configuration"} description="The grid of orders placed when a signal opens a pyramid on this pair.">
            <Button onClick={() => void submit()} loading={save.isPending}>
              Save
            </Button>
          </PageHeader>
          <ErrorAlert error={save.error} shownFields={SHOWN} title="Not saved" />
          <Grid>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Stack>
                <Card withBorder>
                  <Title order={4} mb="sm">
                    Pair
                  </Title>
                  <SimpleGrid cols={{ base: 1, sm: 3 }}>
                    <Select label="Exchange" data={exchanges} value={draft.exchange} onChange={(v) => v && set({ exchange: v })} error={fieldError(error, "exchange")} allowDeselect={false} />
                    <Field label="Symbol" name="symbol" draft={draft} set={set} error={error} description="BTC/USDT or BTCUSDT" />
                    <Field label="Timeframe" name="timeframe" draft={draft} set={set} error={error} description="Empty: any timeframe" />
                  </SimpleGrid>
                </Card>
                <Card withBorder>
                  <Group justify="space-between" mb="sm">
                    <Title order={4}>Grid</Title>
                    <SegmentedControl
                      value={draft.form}
                      onChange={(v) => set({ form: v as DcaDraft["form"] })}
                      data={[
                        { value: "explicit", label: "Explicit levels" },
                        { value: "threecommas", label: "3Commas style" },
                      ]}
                    />
                  </Group>
                  {draft.form === "explicit" ? (
                    <LevelsEditor levels={draft.levels} onChange={(levels) => set({ levels })} error={error} />
                  ) : (
                    <SimpleGrid cols={{ base: 1, sm: 2 }}>
                      <Field label="Base order (quote)" name="base_order" draft={draft} set={set} error={error} />
                      <Field label="Safety order (quote)" name="safety_order" draft={draft} set={set} error={error} />
                      <Field label="Safety orders" name="safety_orders" draft={draft} set={set} error={error} />
                      <Field label="Step %" name="step_percent" draft={draft} set={set} error={error} description="Price deviation to the first safety order" />
                      <Field label="Step scale" name="step_scale" draft={draft} set={set} error={error} />
                      <Field label="Volume scale" name="volume_scale" draft={draft} set={set} error={error} />
                      <Field label="Active safety orders" name="active_safety_orders" draft={draft} set={set} error={error} description="Empty: all at once" />
                    </SimpleGrid>
                  )}
                  {fieldError(error, "form") && (
                    <Text c="red" size="sm">
                      {fieldError(error, "form")}
                    </Text>
                  )}
                </Card>
                <Card withBorder>
                  <Title order={4} mb="sm">
                    Orders, exits and limits
                  </Title>
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <Select label="Entry order" data={["limit", "market"]} value={draft.entry_order_type} onChange={(v) => v && set({ entry_order_type: v as DcaDraft["entry_order_type"] })} allowDeselect={false} error={fieldError(error, "entry_order_type")} />
                    <Select label="Take-profit mode" data={TP_MODES} value={draft.tp_mode} onChange={(v) => v && set({ tp_mode: v as DcaDraft["tp_mode"] })} allowDeselect={false} error={fieldError(error, "tp_mode")} />
                    <Field label="Aggregate TP %" name="tp_aggregate_percent" draft={draft} set={set} error={error} />
                    <Field label="Trailing deviation %" name="trailing_deviation_percent" draft={draft} set={set} error={error} description="Empty: no trailing" />
                    <Field label="Stop loss %" name="stop_loss_percent" draft={draft} set={set} error={error} description="Empty: off" />
                    <Field label="Max pyramids" name="max_pyramids" draft={draft} set={set} error={error} />
                    <Field label="Cancel DCA beyond %" name="cancel_dca_beyond_percent" draft={draft} set={set} error={error} />
                    <Field label="Capital per pyramid" name="capital_per_pyramid" draft={draft} set={set} error={error} />
                    <Field label="Max total exposure" name="max_total_exposure" draft={draft} set={set} error={error} />
                  </SimpleGrid>
                </Card>
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Card withBorder style={{ position: "sticky", top: 70 }}>
                <Title order={4} mb="sm">
                  Live grid preview
                </Title>
                <GridPreview
                  preview={preview.data ?? null}
                  error={preview.error}
                  loading={preview.isFetching}
                  entryPrice={entryPrice}
                  capital={capital}
                  onEntryPrice={setEntryPrice}
                  onCapital={setCapital}
                />
              </Card>
            </Grid.Col>
          </Grid>
        </Stack>
      )}
    </QueryState>
  );
}
