import { Alert, Badge, Card, Group, Select, SimpleGrid, Stack, Table, Text, Title, UnstyledButton } from "@mantine/core";
import { useState } from "react";
import { formatDecimal, formatTime } from "@/lib/format";
import { formatInr } from "@/features/equities/money";
import { PageHeader, QueryState, StatusBadge } from "@/lib/ui";
import { useAnalysisRun, useAnalysisRuns, useChart, useStrategySettings } from "./api";
import { CandleChart, COLORS } from "./CandleChart";
import contrast from "./contrast.module.css";
import { MlFilterLine } from "./MlFilterLine";
import { RecommendationsTable } from "./RecommendationsTable";
import { StrategyNav } from "./StrategyNav";
import type { AnalysisRunDetail, SymbolAnalysis } from "./types";
import { closeVsEma200, rsiOf, ruleInWords, VERDICT_COLORS } from "./verdicts";

function Fact({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </Card>
  );
}

function ResultsTable({ results, selected, onSelect }: { results: SymbolAnalysis[]; selected: string | null; onSelect: (symbol: string) => void }) {
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table striped highlightOnHover verticalSpacing="xs" data-testid="scanner-results" aria-label="Every symbol of the analysis">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Symbol</Table.Th>
            <Table.Th scope="col" miw={120}>
              Verdict
            </Table.Th>
            <Table.Th scope="col" ta="right">Combined</Table.Th>
            <Table.Th scope="col" ta="right">Strength</Table.Th>
            <Table.Th scope="col" ta="right">Backtest</Table.Th>
            <Table.Th scope="col" ta="right">Chart quality</Table.Th>
            <Table.Th scope="col" ta="right">RSI</Table.Th>
            <Table.Th scope="col" ta="right">Close</Table.Th>
            <Table.Th scope="col">Close vs EMA200</Table.Th>
            <Table.Th scope="col">Why not bought</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {results.map((row) => (
            <Table.Tr
              key={row.symbol}
              data-symbol={row.symbol}
              onClick={() => onSelect(row.symbol)}
              style={{ cursor: "pointer" }}
              bg={selected === row.symbol ? "var(--mantine-color-blue-light)" : undefined}
              aria-selected={selected === row.symbol}
            >
              <Table.Th scope="row">
                <UnstyledButton fw={600} fz="sm" onClick={() => onSelect(row.symbol)} aria-label={`Show the chart of ${row.symbol}`}>
                  {row.symbol}
                </UnstyledButton>
              </Table.Th>
              <Table.Td>
                <Badge color={VERDICT_COLORS[row.verdict] ?? "gray"} variant={row.tradeable ? "filled" : "light"}>
                  {row.verdict.replace(/_/g, " ")}
                </Badge>
              </Table.Td>
              <Table.Td ta="right" fw={600}>
                {formatDecimal(row.combined, 1)}
              </Table.Td>
              <Table.Td ta="right">{formatDecimal(row.strength, 1)}</Table.Td>
              <Table.Td ta="right">{row.backtest_score === null ? "—" : formatDecimal(row.backtest_score, 1)}</Table.Td>
              <Table.Td ta="right">{formatDecimal(row.chart_quality, 0)}</Table.Td>
              <Table.Td ta="right">{rsiOf(row)}</Table.Td>
              <Table.Td ta="right">{formatInr(row.close)}</Table.Td>
              <Table.Td>{closeVsEma200(row)}</Table.Td>
              <Table.Td maw={360}>
                {row.tradeable ? (
                  <Text size="sm" c="teal">
                    Trades: {row.detail}
                  </Text>
                ) : (
                  <>
                    <Text size="sm" fw={500}>
                      {ruleInWords(row.rejected_rule)}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {row.detail}
                    </Text>
                  </>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function SymbolChart({ symbol, analysis, oversold }: { symbol: string; analysis?: SymbolAnalysis; oversold: number }) {
  const chart = useChart(symbol);
  return (
    <Card withBorder data-testid="symbol-chart">
      <Group justify="space-between" mb="xs">
        <Title order={3}>{symbol}</Title>
        <Group gap="md">
          <Text size="sm" c={COLORS.ema9} fw={600}>
            — EMA9
          </Text>
          <Text size="sm" c={COLORS.ema200} fw={600}>
            — EMA200
          </Text>
          <Text size="sm" c={COLORS.rsi} fw={600}>
            — RSI (below)
          </Text>
        </Group>
      </Group>
      {analysis && (
        <Text size="sm" c="dimmed" mb="xs">
          {analysis.target ? `Target ${formatInr(analysis.target)}, stop ${formatInr(analysis.stop)} (${analysis.target_tier} tier). ` : ""}
          {analysis.detail}
        </Text>
      )}
      <QueryState isLoading={chart.isLoading} error={chart.error}>
        {chart.data && <CandleChart candles={chart.data.candles} symbol={symbol} oversold={oversold} />}
        {chart.data && (
          <Text size="xs" c="dimmed" mt={4}>
            {chart.data.candles.length} daily candles from {chart.data.source}.
          </Text>
        )}
      </QueryState>
    </Card>
  );
}

function RunView({ run, oversold }: { run: AnalysisRunDetail; oversold: number }) {
  const [selected, setSelected] = useState<string | null>(null);
  const errors = Object.entries((run.errors ?? {}) as Record<string, string>);
  return (
    <Stack>
      <SimpleGrid cols={{ base: 2, md: 5 }}>
        <Fact label="Close analysed" value={run.day} />
        <Fact label="Status" value={<StatusBadge status={run.status} />} />
        <Fact label="Symbols" value={run.symbols_count} />
        <Fact label="Tradeable" value={run.tradeable_count} />
        <Fact label="Finished" value={formatTime(run.finished_at)} />
      </SimpleGrid>
      {run.error && (
        <Alert color="red" title="The analysis failed">
          {run.error}
        </Alert>
      )}
      {errors.length > 0 && (
        <Alert color="orange" title={`${errors.length} symbol${errors.length > 1 ? "s" : ""} not analysed`}>
          {errors.map(([symbol, why]) => (
            <Text key={symbol} size="sm">
              {symbol}: {why}
            </Text>
          ))}
        </Alert>
      )}
      <Card withBorder>
        <Title order={3} mb="xs">
          Recommendations
        </Title>
        <MlFilterLine ml={run.ml} />
        <RecommendationsTable rows={run.recommendations} />
      </Card>
      <Card withBorder>
        <Title order={3} mb={4}>
          Results
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          Every symbol, tradeable first, then by combined score. Click a row for its chart.
        </Text>
        <ResultsTable results={run.results} selected={selected} onSelect={setSelected} />
      </Card>
      {selected && <SymbolChart symbol={selected} analysis={run.results.find((r) => r.symbol === selected)} oversold={oversold} />}
    </Stack>
  );
}

/** /strategy/scanner: the latest analysis (or an earlier one), every symbol's verdict and chart. */
export default function ScannerPage() {
  const [runId, setRunId] = useState("latest");
  const runs = useAnalysisRuns();
  const run = useAnalysisRun(runId, runId === "latest" ? 15_000 : undefined);
  const settings = useStrategySettings();
  const oversold = Number(settings.data?.params.rsi_oversold ?? 30);
  const options = [{ value: "latest", label: "Latest" }, ...(runs.data?.results ?? []).map((r) => ({ value: r.id, label: `${r.day} · ${r.status} · ${r.tradeable_count}/${r.symbols_count} tradeable` }))];
  return (
    <Stack className={contrast.page}>
      <PageHeader title="Scanner" description="The analysis of your universe after each close: verdicts, scores, the rule each rejected stock failed, and the planned buys.">
        <Select label="Analysis" data={options} value={runId} onChange={(value) => value && setRunId(value)} allowDeselect={false} w={320} />
      </PageHeader>
      <StrategyNav />
      <QueryState isLoading={run.isLoading} error={run.error}>
        {run.data === null && (
          <Alert color="blue" title="No analysis yet">
            The analysis runs at 16:00 IST on trading days; run it now from the Settings &amp; tasks page.
          </Alert>
        )}
        {run.data && <RunView key={run.data.id} run={run.data} oversold={oversold} />}
      </QueryState>
    </Stack>
  );
}
