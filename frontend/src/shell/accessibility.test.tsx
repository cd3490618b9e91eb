import { DEFAULT_THEME, MantineProvider, mergeMantineTheme } from "@mantine/core";
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Link, MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { PAGE_TITLES } from "@/routes";
import { contrast, cssVariablesResolver, MIN_CONTRAST, theme } from "@/theme";
import { MAIN_ID, RouteProgress } from "./RouteProgress";
import { SkipLink } from "./SkipLink";
import { routeTitle, useRouteTitle } from "./useRouteTitle";

describe("window titles", () => {
  it.each([
    ["/", "Dashboard"],
    ["/login", "Log in"],
    ["/dca/new", "New DCA configuration"],
    ["/dca/5f0c", "Edit DCA configuration"],
    ["/positions/5f0c", "Position"],
    ["/strategy/scanner", "Scanner · NSE strategy"],
    ["/accounts/kotak/main", "Equity account"],
    ["/manage/audit", "Audit trail · Admin"],
    ["/manage/ml/models/7", "ML models · Admin"],
    ["/strategy/nowhere", "Page not found"],
  ])("%s is titled %s", (path, title) => {
    expect(routeTitle(PAGE_TITLES, path)).toBe(title);
  });

  it("every route has its own title", () => {
    const titles = PAGE_TITLES.map((route) => route.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("follows the navigation", async () => {
    function Pages() {
      useRouteTitle(PAGE_TITLES);
      return <Link to="/queue">Queue</Link>;
    }
    render(
      <MemoryRouter initialEntries={["/positions"]}>
        <Pages />
      </MemoryRouter>,
    );
    expect(document.title).toBe("Positions · Tradefleet");
    await userEvent.click(screen.getByRole("link", { name: "Queue" }));
    expect(document.title).toBe("Queue · Tradefleet");
  });
});

describe("skip link and loading state", () => {
  function Shell({ loading = false }: { loading?: boolean }) {
    return (
      <MantineProvider>
        <SkipLink />
        <nav>
          <a href="/elsewhere">Elsewhere</a>
        </nav>
        <main id={MAIN_ID} tabIndex={-1}>
          {loading ? <RouteProgress /> : <button type="button">In the page</button>}
        </main>
      </MantineProvider>
    );
  }

  it("is the first stop of the keyboard and moves the focus to the content", async () => {
    const user = userEvent.setup();
    render(<Shell />);
    await user.tab();
    const skip = screen.getByRole("link", { name: "Skip to content" });
    expect(skip).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(document.getElementById(MAIN_ID)).toHaveFocus();
    await user.tab();
    expect(screen.getByRole("button", { name: "In the page" })).toHaveFocus();
  });

  it("marks the content busy while a page loads, with a progress bar", () => {
    const { rerender } = render(<Shell loading />);
    expect(screen.getByRole("progressbar", { name: "Loading the page" })).toBeInTheDocument();
    expect(document.getElementById(MAIN_ID)).toHaveAttribute("aria-busy", "true");
    act(() => rerender(<Shell />));
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(document.getElementById(MAIN_ID)).not.toHaveAttribute("aria-busy");
  });
});

describe("theme contrast", () => {
  const variables = cssVariablesResolver(mergeMantineTheme(DEFAULT_THEME, theme));
  const { colors, white } = DEFAULT_THEME;

  it("dimmed text, placeholders, errors and links read at 4.5:1 on the page and on cards", () => {
    for (const name of ["dimmed", "placeholder", "error", "anchor"]) {
      const light = variables.light[`--mantine-color-${name}`]!;
      const dark = variables.dark[`--mantine-color-${name}`]!;
      for (const bg of [white, colors.gray[0], colors.gray[1]]) expect(contrast(light, bg), `${name} on ${bg}`).toBeGreaterThanOrEqual(MIN_CONTRAST);
      for (const bg of [colors.dark[7], colors.dark[6], colors.dark[5]]) expect(contrast(dark, bg), `${name} on ${bg}`).toBeGreaterThanOrEqual(MIN_CONTRAST);
    }
  });

  it("coloured text (c=\"teal\", light badges, outline buttons) reads at 4.5:1 in both themes", () => {
    for (const color of Object.keys(colors)) {
      expect(contrast(variables.light[`--mantine-color-${color}-text`]!, white), color).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrast(variables.light[`--mantine-color-${color}-light-color`]!, colors.gray[1]), color).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrast(variables.dark[`--mantine-color-${color}-text`]!, colors.dark[6]), color).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrast(variables.dark[`--mantine-color-${color}-light-color`]!, colors.dark[6]), color).toBeGreaterThanOrEqual(MIN_CONTRAST);
    }
  });
});
