import { AppShell, Avatar, Burger, Group, Menu, NavLink, ScrollArea, Text, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { NavLink as RouterLink, Outlet, useLocation } from "react-router";
import { hasRole, useAuth } from "@/auth/AuthProvider";
import { NotificationBell } from "@/features/notifications/NotificationBell";
import classes from "./AppLayout.module.css";
import { ConnectionIndicator } from "./ConnectionIndicator";
import { MAIN_ID } from "./RouteProgress";
import { SkipLink } from "./SkipLink";
import { ThemeToggle } from "./ThemeToggle";

interface Item {
  to: string;
  label: string;
  admin?: boolean;
}

const NAV: { section: string; items: Item[] }[] = [
  {
    section: "Trading",
    items: [
      { to: "/", label: "Dashboard" },
      { to: "/positions", label: "Positions" },
      { to: "/deals", label: "Deal history" },
      { to: "/signals", label: "Signals" },
      { to: "/queue", label: "Queue" },
      { to: "/risk", label: "Risk" },
      { to: "/service", label: "Service" },
      { to: "/strategy", label: "NSE strategy" },
    ],
  },
  {
    section: "Setup",
    items: [
      { to: "/accounts", label: "Exchange accounts" },
      { to: "/dca", label: "DCA configurations" },
      { to: "/trading-config", label: "Trading config" },
      { to: "/webhook", label: "Webhook setup" },
    ],
  },
  {
    section: "Monitor",
    items: [
      { to: "/notifications", label: "Notifications" },
      { to: "/logs", label: "Logs" },
      { to: "/manage", label: "Admin", admin: true },
    ],
  },
];

function isActive(pathname: string, to: string): boolean {
  return to === "/" ? pathname === "/" : pathname === to || pathname.startsWith(`${to}/`);
}

export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { user, logout } = useAuth();
  const { pathname } = useLocation();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <SkipLink />
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            {/* The brand, not a heading: each page's own title is its one h1. */}
            <Text fw={700} size="lg">
              Tradefleet
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <ConnectionIndicator />
            <NotificationBell />
            <ThemeToggle />
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton aria-label="Account menu">
                  <Group gap={6} wrap="nowrap">
                    <Avatar size="sm" radius="xl" color="blue">
                      {(user?.username ?? "?").slice(0, 1).toUpperCase()}
                    </Avatar>
                    <Text size="sm" fw={500} visibleFrom="sm" maw={160} truncate>
                      {user?.username ?? ""}
                    </Text>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {user?.email} ({user?.role})
                </Menu.Label>
                <Menu.Item component={RouterLink} to="/profile#export">
                  Export my data
                </Menu.Item>
                <Menu.Item component={RouterLink} to="/profile#delete" color="red">
                  Delete my account
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item onClick={() => void logout()}>Log out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <AppShell.Section grow component={ScrollArea}>
          {NAV.map((group) => (
            <div key={group.section}>
              <Text size="xs" c="dimmed" fw={700} tt="uppercase" px="sm" mt="sm" mb={4}>
                {group.section}
              </Text>
              {group.items
                .filter((item) => !item.admin || hasRole(user, "admin"))
                .map((item) => (
                  <NavLink
                    key={item.to}
                    component={RouterLink}
                    to={item.to}
                    label={item.label}
                    active={isActive(pathname, item.to)}
                    onClick={close}
                  />
                ))}
            </div>
          ))}
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id={MAIN_ID} tabIndex={-1} className={classes.main}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
