import { Badge, Button, Card, Code, Group, SimpleGrid, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { apiResponse } from "@/api/client";
import { keys } from "@/api/keys";
import { QueryState } from "@/lib/ui";

interface HealthDetail {
  status: string;
  mode?: string;
  checks: Record<string, unknown>;
}

function checkOk(value: unknown): boolean | null {
  if (value && typeof value === "object" && "ok" in value) return Boolean((value as { ok: unknown }).ok);
  if (value && typeof value === "object" && "status" in value) return ["ok", "healthy", "up"].includes(String((value as { status: unknown }).status));
  return null;
}

export function HealthPanel() {
  // 503 still carries the checks: read the body whatever the status.
  const health = useQuery({
    queryKey: keys.health,
    queryFn: async () => (await (await apiResponse("health/detail", { acceptStatus: [503] })).json()) as HealthDetail,
    refetchInterval: 15_000,
  });
  return (
    <QueryState isLoading={health.isLoading} error={health.error}>
      {health.data && (
        <>
          <Group mb="sm">
            <Badge size="lg" color={health.data.status === "healthy" ? "teal" : "red"}>
              {health.data.status}
            </Badge>
            {health.data.mode && <Text size="sm">mode: {health.data.mode}</Text>}
            <Button size="xs" variant="default" onClick={() => void health.refetch()}>
              Refresh
            </Button>
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {Object.entries(health.data.checks).map(([name, value]) => {
              const ok = checkOk(value);
              return (
                <Card withBorder key={name} padding="sm">
                  <Group justify="space-between" mb={4}>
                    <Text fw={600}>{name.replace(/_/g, " ")}</Text>
                    {ok !== null && <Badge color={ok ? "teal" : "red"}>{ok ? "ok" : "failing"}</Badge>}
                  </Group>
                  <Code block>{JSON.stringify(value, null, 2)}</Code>
                </Card>
              );
            })}
          </SimpleGrid>
        </>
      )}
    </QueryState>
  );
}
