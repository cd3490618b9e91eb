import { Alert, Text } from "@mantine/core";

/** What the run's ML filter did, as AnalysisRun.ml records it ({} when the trader has not opted in). */
export type MlFilterSummary = {
  model_version?: number | null;
  mode?: string;
  min_confidence?: number;
  kept?: number;
  dropped?: string[];
  note?: string;
};

const MODES: Record<string, string> = { filter: "filter", require_both: "require both" };

export function MlFilterLine({ ml }: { ml: unknown }) {
  const summary = (ml ?? {}) as MlFilterSummary;
  if (!summary.mode) return null;
  if (summary.model_version == null) {
    return (
      <Alert color="orange" mb="sm" title="ML filter not applied">
        {summary.note ?? "No model could be used: the rules alone decided."}
      </Alert>
    );
  }
  const dropped = summary.dropped ?? [];
  return (
    <Text size="sm" mb="sm" data-testid="ml-filter-line">
      ML filter: model v{summary.model_version}, {MODES[summary.mode] ?? summary.mode}, minimum confidence{" "}
      {((summary.min_confidence ?? 0) * 100).toFixed(0)} %: kept {summary.kept ?? 0}
      {dropped.length ? `, dropped ${dropped.join(", ")}` : ", dropped none"}.
    </Text>
  );
}
