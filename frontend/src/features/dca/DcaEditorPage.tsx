import { Alert, Anchor, Button, Card, Grid, Group, Modal, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { fieldError } from "@/lib/errors";
import { PageHeader, QueryState } from "@/lib/ui";
import { useAccounts } from "@/features/accounts/api";
import { formatDecimal } from "@/lib/format";
import { previewGrid, useDcaConfig, useSaveDcaConfig } from "./api";
import { GridPreview, PreviewSummary } from "./GridPreview";
import { LadderChart } from "./LadderChart";
import { formatTo, precisionOf } from "./ladder";
import { LevelsEditor } from "./LevelsEditor";
import { draftFrom, emptyDraft, isDirty, previewBody, writeBody, type DcaDraft } from "./model";
import { useUnsavedChangesGuard } from "./useUnsavedChangesGuard";

const TP_MODES = [
  { value: "per_leg", label: "Per leg: each filled leg has its own take-profit" },
  { value: "aggregate", label: "Aggregate: one take-profit on the average entry" },
  { value: "hybrid", label: "Hybrid: per leg, and aggregate when it comes first" },
  { value: "pyramid_aggregate", label: "Per pyramid: one take-profit per pyramid" },
];
// Modes where each leg closes on its own target; in the others only the average's target counts.
const LEG_TP_MODES: DcaDraft["tp_mode"][] = ["per_leg", "hybrid"];

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

const quoteOf = (symbol: string) => (symbol.includes("/") ? (symbol.split("/")[1] ?? "").split(":")[0] : "");

export default function DcaEditorPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const existing = useDcaConfig(id);
  const accounts = useAccounts();
  const save = useSaveDcaConfig(id);
  const [draft, setDraft] = useState<DcaDraft | null>(id ? null : emptyDraft());
  // What the draft is compared with for the unsaved-changes guard.
  const [saved, setSaved] = useState<DcaDraft | null>(id ? null : emptyDraft());
  const [entryPrice, setEntryPrice] = useState("");
  // True while the entry price is the exchange's last price, not one the user typed.
  const [entryFromTicker, setEntryFromTicker] = useState(true);

  useEffect(() => {
    if (existing.data && !draft) {
      const loaded = draftFrom(existing.data);
      setDraft(loaded);
      setSaved(loaded);
    }
  }, [existing.data, draft]);
  useEffect(() => {
    const first = accounts.data?.results[0]?.exchange;
    if (!id && first && draft && draft.exchange === "simulator" && !accounts.data?.results.some((a) => a.exchange === "simulator")) {
      setDraft({ ...draft, exchange: first });
      setSaved((current) => (current ? { ...current, exchange: first } : current));
    }
  }, [accounts.data, id, draft]);

  const set = (patch: Partial<DcaDraft>) => {
    // Another pair has another price: fetch its last price unless the user typed one.
    if ((patch.symbol !== undefined || patch.exchange !== undefined) && entryFromTicker) setEntryPrice("");
    setDraft((current) => (current ? { ...current, ...patch } : current));
  };
  const typeEntryPrice = (value: string) => {
    setEntryPrice(value);
    setEntryFromTicker(value.trim() === "");
  };
  const body = useMemo(() => (draft ? previewBody(draft, entryPrice) : null), [draft, entryPrice]);
  const [debounced] = useDebouncedValue(body, 350);
  const preview = useQuery({
    queryKey: ["dca-preview", debounced],
    queryFn: () => previewGrid(debounced as NonNullable<typeof debounced>),
    enabled: !!debounced && !!debounced.symbol && !!debounced.exchange,
    retry: false,
    staleTime: 60_000,
    placeholderData: (previous) => previous,
  });
  // Pre-fill the entry price with the ticker's last price once the server has read it.
  useEffect(() => {
    if (entryFromTicker && !entryPrice && preview.data?.entry_price_source === "ticker" && !preview.isPlaceholderData) {
      setEntryPrice(preview.data.entry_price);
    }
  }, [preview.data, preview.isPlaceholderData, entryFromTicker, entryPrice]);

  const dirty = isDirty(draft, saved);
  const guard = useUnsavedChangesGuard(dirty && !save.isPending);
  // Errors next to the fields: the save's when there is one, else the live preview's.
  const error = save.error ?? preview.error;
  const exchanges = [...new Set([...(accounts.data?.results.map((a) => a.exchange) ?? []), draft?.exchange ?? "simulator"])];
  const shown = preview.error ? null : (preview.data ?? null);
  const quote = quoteOf(draft?.symbol ?? "") || "quote";
  const showLegTp = !!draft && LEG_TP_MODES.includes(draft.tp_mode);

  const submit = async () => {
    if (!draft) return;
    try {
      await save.mutateAsync(writeBody(draft));
      setSaved(draft);
      guard.release();
      navigate("/dca");
    } catch {
      /* shown next to the fields */
    }
  };

  const storedCapital = existing.data?.form === "threecommas" ? existing.data.capital_per_pyramid : null;
  const derivedCapital = draft?.form === "threecommas" && shown?.capital_source === "threecommas" ? shown.capital : null;

  return (
    <QueryState isLoading={!!id && existing.isLoading} error={existing.error}>
      {draft && (
        <Stack>
          <Anchor component={Link} to="/dca" size="sm">
            ← DCA configurations
          </Anchor>
          <PageHeader title={id ? `Edit ${draft.symbol}` : "New DCA configuration"} description="The grid of orders placed when a signal opens a pyramid on this pair.">
            {dirty && (
              <Text size="sm" c="dimmed" data-testid="unsaved">
                Unsaved changes
              </Text>
            )}
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
                    <Stack gap="xs">
                      <TextInput
                        label={`Capital per pyramid (${quote})`}
                        description="Split between the legs by weight; a signal's own order size replaces it"
                        value={draft.capital_per_pyramid}
                        onChange={(e) => set({ capital_per_pyramid: e.currentTarget.value })}
                        // The preview names this input `capital` (a leg too small: more capital fixes it).
                        error={fieldError(error, "capital_per_pyramid") ?? fieldError(preview.error, "capital")}
                      />
                      <LevelsEditor levels={draft.levels} onChange={(levels) => set({ levels })} error={error} showTp={showLegTp} />
                    </Stack>
                  ) : (
                    <Stack gap="xs">
                      <SimpleGrid cols={{ base: 1, sm: 2 }}>
                        <Field label={`Base order size (${quote})`} name="base_order" draft={draft} set={set} error={error} description="The first order, an absolute amount" />
                        <Field label={`Safety order size (${quote})`} name="safety_order" draft={draft} set={set} error={error} description="The first safety order; later ones × volume scale" />
                        <Field label="Max safety orders" name="safety_orders" draft={draft} set={set} error={error} />
                        <Field label="Price deviation %" name="step_percent" draft={draft} set={set} error={error} description="From the entry to the first safety order" />
                        <Field label="Safety order step scale" name="step_scale" draft={draft} set={set} error={error} />
                        <Field label="Safety order volume scale" name="volume_scale" draft={draft} set={set} error={error} />
                        <Field label="Active safety orders" name="active_safety_orders" draft={draft} set={set} error={error} description="Empty: all at once" />
                      </SimpleGrid>
                      <Text size="sm" data-testid="threecommas-capital">
                        Capital per pyramid (base + all safety orders):{" "}
                        <b>{derivedCapital && shown ? `${formatTo(derivedCapital, precisionOf(shown).quote)} ${quote}` : "—"}</b>
                      </Text>
                      {storedCapital && derivedCapital && Number(storedCapital) !== Number(derivedCapital) && (
                        <Alert color="yellow" data-testid="capital-changes">
                          This configuration was saved with a capital per pyramid of {storedCapital} {quote}. Saving sets it to the sum of the order sizes above.
                        </Alert>
                      )}
                    </Stack>
                  )}
                  {fieldError(error, "form") && (
                    <Text c="red" size="sm">
                      {fieldError(error, "form")}
                    </Text>
                  )}
                  {draft.form === "threecommas" && fieldError(save.error, "capital_per_pyramid") && (
                    <Text c="red" size="sm">
                      {fieldError(save.error, "capital_per_pyramid")}
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
                    <Field label="Take-profit % (on the average)" name="tp_aggregate_percent" draft={draft} set={set} error={error} />
                    <Field label="Trailing deviation %" name="trailing_deviation_percent" draft={draft} set={set} error={error} description="Empty: no trailing" />
                    <Field label="Stop loss %" name="stop_loss_percent" draft={draft} set={set} error={error} description="Empty: off" />
                    <Field label="Max pyramids" name="max_pyramids" draft={draft} set={set} error={error} />
                    <Field label="Cancel DCA beyond %" name="cancel_dca_beyond_percent" draft={draft} set={set} error={error} />
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
                <PreviewSummary
                  preview={shown}
                  error={preview.error}
                  loading={preview.isFetching}
                  entryPrice={entryPrice}
                  entryFromTicker={entryFromTicker && !!entryPrice}
                  onEntryPrice={typeEntryPrice}
                  quote={quote}
                />
                {shown && <LadderChart preview={shown} />}
              </Card>
            </Grid.Col>
          </Grid>
          {shown && (
            <Card withBorder>
              <Title order={4} mb="xs">
                Each leg, as it fills
              </Title>
              <Text size="sm" c="dimmed" mb="xs">
                The position after each leg: its average price, the take-profit {formatDecimal(shown.tp_aggregate_percent)} % above that average, and how far the price must rise from the leg to reach it.
              </Text>
              <GridPreview preview={shown} showLegTp={showLegTp} />
            </Card>
          )}
          <Modal opened={guard.asking} onClose={guard.stay} title="Leave without saving?" centered>
            <Text size="sm" mb="md">
              Your changes to this DCA configuration are not saved.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={guard.stay}>
                Stay
              </Button>
              <Button color="red" onClick={guard.leave}>
                Leave without saving
              </Button>
            </Group>
          </Modal>
        </Stack>
      )}
    </QueryState>
  );
}
