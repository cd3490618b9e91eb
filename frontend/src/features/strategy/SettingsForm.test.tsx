import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { patchFrom, toDraft } from "./paramFields";
import StrategyPage from "./StrategyPage";
import { settingsFixture, taskFixture } from "./testFixtures";

type Handler = (init: RequestInit | undefined) => Response;

function serve(answers: Record<string, Handler>, requests: { method: string; path: string; body: unknown }[]) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(String(input), "http://x");
      const path = url.pathname.replace("/api/v1/", "");
      const method = init?.method ?? "GET";
      requests.push({ method, path, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const answer = answers[`${method} ${path}`] ?? answers[path];
      if (path === "auth/me") return jsonResponse(USER);
      return answer ? answer(init) : jsonResponse({ detail: "Not found." }, 404);
    }),
  );
}

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the strategy settings form", () => {
  it("shows the server's errors next to their fields and keeps what was typed", async () => {
    const requests: { method: string; path: string; body: unknown }[] = [];
    serve(
      {
        "GET equities/strategy": () => jsonResponse(settingsFixture()),
        "GET equities/tasks": () => jsonResponse([taskFixture()]),
        "PATCH equities/strategy": () =>
          jsonResponse(
            {
              detail: "universe: Not an NSE symbol: B@D.",
              code: "invalid",
              errors: { universe: ["Not an NSE symbol: B@D."], "params.rsi_extreme_oversold": ["must not be above rsi_oversold"] },
            },
            400,
          ),
      },
      requests,
    );
    const user = userEvent.setup();
    renderPage(<StrategyPage />);

    const universe = await screen.findByLabelText("Universe");
    await user.clear(universe);
    await user.type(universe, "RELIANCE, B@D");
    await user.click(screen.getByRole("button", { name: /Entry: RSI/ }));
    const extreme = screen.getByLabelText("RSI extreme oversold");
    await user.clear(extreme);
    await user.type(extreme, "45");
    expect(screen.getByTestId("unsaved")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByText("Not an NSE symbol: B@D.")).toBeInTheDocument();
    expect(screen.getByText("must not be above rsi_oversold")).toBeInTheDocument();
    expect(screen.getByLabelText("Universe")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("RSI extreme oversold")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Universe")).toHaveValue("RELIANCE, B@D");
    expect(screen.getByLabelText("RSI extreme oversold")).toHaveValue("45");
    expect(screen.getByTestId("form-errors")).toHaveTextContent("2 fields need a change");
    const patch = requests.find((r) => r.method === "PATCH");
    expect(patch?.body).toEqual({ universe: ["RELIANCE", "B@D"], params: { rsi_extreme_oversold: "45" } });
  });

  it("refuses a value it cannot send at its field, without a request", async () => {
    const requests: { method: string; path: string; body: unknown }[] = [];
    serve({ "GET equities/strategy": () => jsonResponse(settingsFixture()), "GET equities/tasks": () => jsonResponse([]) }, requests);
    const user = userEvent.setup();
    renderPage(<StrategyPage />);

    await user.click(await screen.findByRole("button", { name: /Indicators/ }));
    const period = screen.getByLabelText("RSI period");
    await user.clear(period);
    await user.type(period, "ten");
    const analysis = screen.getByLabelText("Analysis");
    await user.clear(analysis);
    await user.type(analysis, "16:00");
    await user.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByText("Must be a whole number.")).toBeInTheDocument();
    expect(screen.getByText(/Five fields: minute hour/)).toBeInTheDocument();
    expect(requests.some((r) => r.method === "PATCH")).toBe(false);
  });

  it("saves only what changed and answers with the saved settings", async () => {
    const requests: { method: string; path: string; body: unknown }[] = [];
    const saved = settingsFixture({ enabled: true, account: "11111111-1111-1111-1111-111111111111" });
    serve(
      {
        "GET equities/strategy": () => jsonResponse(settingsFixture()),
        "GET equities/tasks": () => jsonResponse([]),
        "PATCH equities/strategy": () => jsonResponse(saved),
      },
      requests,
    );
    const user = userEvent.setup();
    renderPage(<StrategyPage />);
    await user.click(await screen.findByRole("switch", { name: /Strategy on/ }));
    await user.click(screen.getByRole("textbox", { name: "Broker account" }));
    await user.click(await screen.findByRole("option", { name: "kotak_simulator · default", hidden: true }));
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(screen.queryByTestId("unsaved")).not.toBeInTheDocument());
    expect(requests.find((r) => r.method === "PATCH")?.body).toEqual({ enabled: true, account: "11111111-1111-1111-1111-111111111111" });
    expect(within(screen.getByRole("form", { name: "Strategy settings" })).getByRole("switch", { name: /Strategy on/ })).toBeChecked();
  });
});

describe("the form's draft", () => {
  it("reads lists and tiers back into the API's types", () => {
    const settings = settingsFixture();
    const draft = toDraft(settings);
    draft.params.ema_periods = "9, 21, 50, 200";
    draft.params.liquidity_tiers = "5000 0.02\n0 0.2";
    draft.params.exit_on_rsi_enabled = false;
    expect(patchFrom(draft, settings)).toEqual({
      patch: { params: { ema_periods: [9, 21, 50, 200], liquidity_tiers: [["5000", "0.02"], ["0", "0.2"]], exit_on_rsi_enabled: false } },
      errors: {},
    });
  });
});
