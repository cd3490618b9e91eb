import { Stack } from "@mantine/core";
import { PageHeader } from "@/lib/ui";
import { DeleteAccountCard } from "./DeleteAccountCard";
import { ExportCard } from "./ExportCard";

export default function ProfilePage() {
  return (
    <>
      <PageHeader title="Your data" description="Download everything Tradefleet holds about you, or close your account." />
      <Stack>
        <ExportCard />
        <DeleteAccountCard />
      </Stack>
    </>
  );
}
