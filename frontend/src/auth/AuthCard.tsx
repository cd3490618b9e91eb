import { Anchor, Box, Center, Group, Paper, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { ThemeToggle } from "@/shell/ThemeToggle";

export function AuthCard({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={420} maw="100%">
        <Stack gap="md">
          <Group justify="space-between">
            <Text fw={700} size="lg">
              Tradefleet
            </Text>
            <ThemeToggle />
          </Group>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
          {footer && <Box fz="sm">{footer}</Box>}
        </Stack>
      </Paper>
    </Center>
  );
}

export function AuthLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Anchor component={Link} to={to} size="sm">
      {children}
    </Anchor>
  );
}
