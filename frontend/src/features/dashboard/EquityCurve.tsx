import { Text } from "@mantine/core";
import { useMemo } from "react";
import type { Performance } from "@/api/types";
import { LineChart } from "@/charts/LineChart";
import { equityPoints } from "./equity";

export function EquityCurve({ performance }: { performance: Performance | undefined }) {
  const points = useMemo(() => equityPoints(performance), [performance]);
  if (performance && !points.length) return <Text c="dimmed">No closed groups in this window yet.</Text>;
  return <LineChart points={points} height={240} color="#12b886" label="Cumulative realized PnL by day" />;
}
