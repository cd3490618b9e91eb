import { Alert, Anchor, Button, Card, Group, NumberInput, Stack, Tabs, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "@/api/client";
import { hasRole, useAuth } from "@/auth/AuthProvider";
import { ErrorAlert } from "@/lib/ErrorAlert";
import { ConfirmButton, PageHeader } from "@/lib/ui";
import { MlPanel } from "@/features/ml/MlPanel";
import { AuditPanel } from "./AuditPanel";
import { BackupsPanel } from "./BackupsPanel";
import { HealthPanel } from "./HealthPanel";
import { PerformancePanel } from "./PerformancePanel";
import { UsersPanel } from "./UsersPanel";

function SystemLogsPanel() {
  const [days, setDays] = useState<number | string>(30);
  const purge = useMutation({
    mutationFn: () => api<{ deleted: number }>(`logs/system/${Number(days)}`, { method: "DELETE" }),
    onSuccess: (result) => notifications.show({ color: "teal", message: `${result.deleted} old entries deleted` }),
  });
  return (
    <Stack>
      <Text size="sm">
        As an admin, the{" "}
        <Anchor component={Link} to="/logs" underline="always">
          Logs page
        </Anchor> shows every user's entries and the system's, with the errors and their tracebacks to resolve.
      </Text>
      <Group align="flex-end">
        <NumberInput label="Delete service log entries older than (days)" min={1} value={days} onChange={setDays} w={320} />
        <ConfirmButton title="Delete old log entries?" message={`Every service log entry older than ${days} days is deleted, for all users.`} confirmLabel="Delete" onConfirm={() => purge.mutateAsync().catch(() => undefined)} loading={purge.isPending}>
          Delete
        </ConfirmButton>
      </Group>
      <ErrorAlert error={purge.error} />
    </Stack>
  );
}

const TABS = ["users", "audit", "health", "performance", "backups", "logs", "ml"] as const;

export default function AdminPage() {
  const { user } = useAuth();
  const params = useParams();
  const navigate = useNavigate();
  const current = (params["*"] || "users").split("/")[0] as (typeof TABS)[number];
  if (!hasRole(user, "admin")) {
    return (
      <Alert color="yellow" title="Admins only">
        This area is for administrators.
      </Alert>
    );
  }
  return (
    <>
      <PageHeader title="Admin" description="Users and roles, the audit trail, the platform's health and performance, backups, the ML models.">
        <Button component="a" href="/admin/" variant="default" target="_blank" rel="noopener">
          Open Django admin
        </Button>
      </PageHeader>
      <Card withBorder>
        <Tabs value={TABS.includes(current) ? current : "users"} onChange={(value) => navigate(`/manage/${value ?? "users"}`)}>
          <Tabs.List mb="sm">
            <Tabs.Tab value="users">Users and roles</Tabs.Tab>
            <Tabs.Tab value="audit">Audit trail</Tabs.Tab>
            <Tabs.Tab value="health">Health</Tabs.Tab>
            <Tabs.Tab value="performance">Performance</Tabs.Tab>
            <Tabs.Tab value="backups">Backups</Tabs.Tab>
            <Tabs.Tab value="logs">System logs</Tabs.Tab>
            <Tabs.Tab value="ml">ML models</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="users">{current === "users" && <UsersPanel />}</Tabs.Panel>
          <Tabs.Panel value="audit">{current === "audit" && <AuditPanel />}</Tabs.Panel>
          <Tabs.Panel value="health">{current === "health" && <HealthPanel />}</Tabs.Panel>
          <Tabs.Panel value="performance">{current === "performance" && <PerformancePanel />}</Tabs.Panel>
          <Tabs.Panel value="backups">{current === "backups" && <BackupsPanel />}</Tabs.Panel>
          <Tabs.Panel value="logs">{current === "logs" && <SystemLogsPanel />}</Tabs.Panel>
          <Tabs.Panel value="ml">{current === "ml" && <MlPanel />}</Tabs.Panel>
        </Tabs>
      </Card>
    </>
  );
}
