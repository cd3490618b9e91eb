// The position page's chart card: live candles of the position's market with its DCA ladder.
import { Card, Group, Loader, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { toNumber } from "@/lib/format";
import { isOpenStatus, useCandles } from "./api";
import type { PositionDetail } from "@/api/types";
import { candleQuery, CHART_COLORS, chartTimeframe, placeMarkers, positionChartModel, priceFormat, toChartCandles, withLivePrice } from "./chartModel";
import { PositionChart } from "./PositionChart";

function Legend({ stop, exit }: { stop: boolean; exit: boolean }) {
  const items: [string, string, string][] = [
    ["Average entry", CHART_COLORS.average, "solid"],
    ["Take-profit", CHART_COLORS.tp, "dashed"],
    ["Filled leg", CHART_COLORS.filled, "solid"],
    ["Pending leg", CHART_COLORS.pending, "dashed"],
    ...(stop ? [["Stop", CHART_COLORS.stop, "dashed"] as [string, string, string]] : []),
    ...(exit ? [["Exit", CHART_COLORS.exit, "dotted"] as [string, string, string]] : []),
  ];
  return (
    <Group gap="md" data-testid="chart-legend">
      {items.map(([label, color, style]) => (
        <Group key={label} gap={4}>
          <div style={{ width: 14, height: 0, borderTop: `3px ${style} ${color}` }} />
          <Text size="xs">{label}</Text>
        </Group>
      ))}
    </Group>
  );
}

export function PriceChartCard({ detail }: { detail: PositionDetail }) {
  const timeframe = useMemo(() => chartTimeframe(detail.timeframe), [detail.timeframe]);
  // Fixed for the visit: `since` must not move with the clock or every render is a new query.
  const wanted = useMemo(
    () => candleQuery({ opened_at: detail.opened_at, closed_at: detail.closed_at }, timeframe),
    [detail.opened_at, detail.closed_at, timeframe],
  );
  const open = isOpenStatus(detail.status);
  const candles = useCandles({
    account: detail.account,
    symbol: detail.symbol,
    timeframe: timeframe.name,
    timeframeSeconds: timeframe.seconds,
    since: wanted.since,
    limit: wanted.limit,
    live: open,
  });
  const lastPrice = toNumber(detail.last_price);
  const rows = candles.data?.candles;
  const chartCandles = useMemo(() => {
    const base = toChartCandles(rows ?? []);
    return open ? withLivePrice(base, lastPrice, timeframe.seconds) : base;
  }, [rows, open, lastPrice, timeframe.seconds]);
  const tickSize = candles.data?.tick_size;
  const format = useMemo(() => priceFormat(tickSize, lastPrice ?? toNumber(detail.avg_entry)), [tickSize, lastPrice, detail.avg_entry]);
  const model = useMemo(() => positionChartModel(detail), [detail]);
  const markers = useMemo(() => placeMarkers(model.markers, chartCandles), [model.markers, chartCandles]);

  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Title order={4}>Price</Title>
          <Text size="sm" c="dimmed">
            {timeframe.name} candles{open ? ", live" : ""}
          </Text>
          {candles.isFetching && <Loader size="xs" aria-label="Loading candles" />}
        </Group>
        <Legend stop={model.lines.some((l) => l.kind === "stop")} exit={model.lines.some((l) => l.kind === "exit")} />
      </Group>
      <ErrorAlert error={candles.error} title="The exchange's candles could not be loaded" />
      <PositionChart
        candles={chartCandles}
        lines={model.lines}
        markers={markers}
        format={format}
        timeframeSeconds={timeframe.seconds}
        label={`${detail.symbol} ${timeframe.name} candles with entries, legs, targets and average entry`}
      />
    </Card>
  );
}
