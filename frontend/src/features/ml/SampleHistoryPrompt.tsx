import { Alert, Button, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import { ErrorAlert } from "@/lib/ErrorAlert";
import type { SampleDataResult } from "./types";

/** Shown while no daily series exist: loads bokeh-sampledata's daily stocks as the `csv` source. */
export function SampleHistoryPrompt({ onLoaded }: { onLoaded: (result: SampleDataResult) => void }) {
  const client = useQueryClient();
  const load = useMutation({
    mutationFn: () => api<SampleDataResult>("ml/sample-data", { method: "POST" }),
    onSuccess: async (result) => {
      notifications.show({
        color: "teal",
        message: `Loaded ${result.candles.toLocaleString("en-US")} daily candles of ${result.symbols.join(", ")} (source ${result.source})`,
      });
      await client.invalidateQueries({ queryKey: keys.marketSeries });
      onLoaded(result);
    },
  });
  return (
    <Alert color="blue" title="No daily candles to train on yet" data-testid="sample-history">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">
          Training reads daily candles from the shared market data. Track series or upload a CSV in Django admin's Market data, or load the sample history: the
          daily prices of AAPL, GOOG, IBM and MSFT from 2000 to 2013 (public domain, from bokeh-sampledata), stored as the source <code>csv</code>.
        </Text>
        <Button onClick={() => load.mutate()} loading={load.isPending}>
          Load the sample history
        </Button>
        <ErrorAlert error={load.error} title="Not loaded" />
      </Stack>
    </Alert>
  );
}
