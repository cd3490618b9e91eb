// The grid as a ladder: the entry, each leg's price and the take-profit after each leg, on one
// price axis. SVG rather than lightweight-charts: these are levels, not a time series.
import { Text, useMantineTheme } from "@mantine/core";
import { formatDecimal } from "@/lib/format";
import type { Preview } from "@/api/types";
import { ladderLines, type LineKind } from "./ladder";

const WIDTH = 420;
const ROW = 16; // the least vertical room a label needs
const PAD = 10;

export function LadderChart({ preview }: { preview: Preview }) {
  const theme = useMantineTheme();
  const lines = ladderLines(preview);
  const prices = lines.map((l) => l.price).filter(Number.isFinite);
  if (!prices.length) return null;
  const high = Math.max(...prices);
  const low = Math.min(...prices);
  const height = Math.max(160, lines.length * ROW + 2 * PAD);
  const y = (price: number) => (high === low ? height / 2 : PAD + ((high - price) / (high - low)) * (height - 2 * PAD));
  const colour: Record<LineKind, string> = { entry: theme.colors.blue[6], leg: theme.colors.orange[6], target: theme.colors.teal[6] };
  // Labels are spread so they never overlap; each keeps a leader to its own line.
  const order = lines.map((line, index) => ({ line, index, y: y(line.price) })).sort((a, b) => a.y - b.y);
  const labelY: number[] = [];
  let last = -Infinity;
  for (const item of order) {
    const placed = Math.max(item.y, last + ROW);
    labelY[item.index] = placed;
    last = placed;
  }
  const overflow = Math.max(0, last + PAD - height);
  return (
    <>
      <svg viewBox={`0 0 ${WIDTH} ${height + overflow}`} width="100%" role="img" aria-label="Ladder chart of the grid" data-testid="ladder-chart">
        {lines.map((line, index) => {
          const lineY = y(line.price);
          const textY = labelY[index] ?? lineY;
          return (
            <g key={`${line.kind}-${index}`} data-kind={line.kind}>
              <line x1={0} x2={200} y1={lineY} y2={lineY} stroke={colour[line.kind]} strokeWidth={line.kind === "entry" ? 2 : 1.5} strokeDasharray={line.kind === "target" ? "5 4" : undefined} />
              <line x1={200} x2={214} y1={lineY} y2={textY} stroke={colour[line.kind]} strokeWidth={0.75} />
              <text x={218} y={textY + 4} fontSize={11} fill={colour[line.kind]}>
                {line.label}
              </text>
            </g>
          );
        })}
      </svg>
      <Text size="xs" c="dimmed">
        Blue: entry; orange: safety legs; dashed green: the take-profit once the leg fills ({formatDecimal(preview.tp_aggregate_percent)} % above the average price).
      </Text>
    </>
  );
}
