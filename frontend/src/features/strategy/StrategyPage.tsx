import { Alert, Card, Stack, Text, Title } from "@mantine/core";
import { PageHeader, QueryState } from "@/lib/ui";
import { useStrategySettings, useStrategyTasks } from "./api";
import contrast from "./contrast.module.css";
import { SettingsForm } from "./SettingsForm";
import { StrategyNav } from "./StrategyNav";
import { TasksTable } from "./TasksTable";

/** /strategy: the NSE strategy's settings and its seven tasks. */
export default function StrategyPage() {
  const settings = useStrategySettings();
  const tasks = useStrategyTasks();
  return (
    <Stack className={contrast.page}>
      <PageHeader
        title="NSE strategy"
        description="Scans your NSE stocks after each close, buys the oversold ones that pass its rules with AMO orders, and sells each at its 9-day EMA."
      />
      <StrategyNav />
      <Card withBorder>
        <Title order={3} mb="xs">
          Tasks
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Times in India (IST) and in your browser's time zone. "Run now" runs a task once, outside its schedule.
        </Text>
        <QueryState isLoading={tasks.isLoading} error={tasks.error}>
          {tasks.data && <TasksTable tasks={tasks.data} />}
        </QueryState>
      </Card>
      <QueryState isLoading={settings.isLoading} error={settings.error}>
        {settings.data && (
          <>
            {!settings.data.accounts.length && (
              <Alert color="blue" title="No NSE account yet">
                Add a Kotak Neo, Kotak simulator or paper NSE account on the Exchange accounts page, then choose it below.
              </Alert>
            )}
            <SettingsForm settings={settings.data} />
          </>
        )}
      </QueryState>
    </Stack>
  );
}
