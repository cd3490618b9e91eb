import { Card, Tabs } from "@mantine/core";
import { useSearchParams } from "react-router";
import { PageHeader } from "@/lib/ui";
import { ErrorLogView } from "./ErrorLogView";
import { ServiceLogView } from "./ServiceLogView";

export default function LogsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") === "errors" ? "errors" : "logs";
  return (
    <>
      <PageHeader title="Logs" description="What the platform did for you, and the errors it met." />
      <Card withBorder>
        <Tabs value={tab} onChange={(value) => setParams(value === "errors" ? { tab: "errors" } : {}, { replace: true })}>
          <Tabs.List mb="sm">
            <Tabs.Tab value="logs">Service log</Tabs.Tab>
            <Tabs.Tab value="errors">Errors</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="logs">{tab === "logs" && <ServiceLogView />}</Tabs.Panel>
          <Tabs.Panel value="errors">{tab === "errors" && <ErrorLogView />}</Tabs.Panel>
        </Tabs>
      </Card>
    </>
  );
}
