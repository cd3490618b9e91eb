import { Button, Group } from "@mantine/core";
import { Link, useLocation } from "react-router";

const PAGES = [
  { to: "/strategy", label: "Settings & tasks" },
  { to: "/strategy/scanner", label: "Scanner" },
  { to: "/strategy/holdings", label: "Holdings" },
  { to: "/strategy/import", label: "Import" },
];

/** The four pages of the NSE strategy: plain links, so the unsaved-changes guard sees them. */
export function StrategyNav() {
  const { pathname } = useLocation();
  return (
    <Group component="nav" aria-label="NSE strategy pages" gap="xs" mb="md">
      {PAGES.map((page) => {
        const current = pathname === page.to;
        return (
          <Button key={page.to} component={Link} to={page.to} size="xs" variant={current ? "filled" : "light"} aria-current={current ? "page" : undefined}>
            {page.label}
          </Button>
        );
      })}
    </Group>
  );
}
