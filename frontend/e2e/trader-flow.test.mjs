// The web app in a real browser (Debian's chromium driven by playwright-core) against a real
// embedded server: a new trader registers, adds a simulator account, creates a DCA grid, sends
// a TradingView webhook over HTTP, sees the position appear and close at its take-profit, all
// without a reload. Then a screenshot of every page goes to a folder printed at the end.
//
//   node --test e2e/            (make e2e; needs `npm run build` first)
//   E2E_SCREENSHOTS=/some/dir   where the screenshots go (default: a new temporary folder)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AUTH_KEY, secretHits, watchConsole } from "./secret-scan.mjs";
import { apiLogin, fullPageShot, launchBrowser, screenshotDir, startServer, stepper, tradingView } from "./server.mjs";

const shots = screenshotDir();

const trader = { email: `e2e-${Date.now()}@example.com`, username: `e2e${Date.now()}`, password: "Browser-test-2024" };
let server;
let browser;
let page;
const problems = [];
let consoleLines = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  consoleLines = watchConsole(page);
  // A blocked script, a CSP violation or an uncaught error fails the test.
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401|404|409)/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on("requestfailed", (request) => {
    const url = request.url();
    if (!url.startsWith(server.base) && !url.startsWith("ws://127.0.0.1")) problems.push(`request outside the server: ${url}`);
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  console.log(`\nscreenshots: ${shots}\n`);
});

const nav = (label) => page.getByRole("navigation").getByRole("link", { name: label, exact: true }).click();
// The whole page in one picture: the window is made as tall as the page (a full-page capture
// would paint the fixed header and menu once per screen height, in the middle of the page).
async function shot(name) {
  await fullPageShot(page, join(shots, `${name}.png`));
}
async function choose(label, option) {
  await page.getByRole("textbox", { name: label, exact: true }).click();
  await page.getByRole("option", typeof option === "string" ? { name: option, exact: true } : { name: option }).click();
}

test("a new trader trades through the web app, live, from webhook to take-profit", async (root) => {
  // Each step needs the ones before it: after a failure the rest are skipped, not timed out.
  const step = stepper(root, (slug) => shot(`failed-${slug}`));
  await step("the login page is served at / and a new trader registers", async () => {
    await page.goto(server.base + "/");
    await page.waitForURL(/\/login$/);
    await shot("login");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("E-mail").fill(trader.email);
    await page.getByLabel("Username").fill(trader.username);
    await page.locator('input[autocomplete="new-password"]').fill(trader.password);
    await shot("register");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/accounts$/);
    await page.getByTestId("connection-state").and(page.locator('[data-state="open"]')).waitFor();
    // Everything from here on happens in this one page load.
    await page.evaluate(() => (window.__sameLoad = true));
  });

  await step("adds a simulator account, validated in the background", async () => {
    await page.getByRole("button", { name: "Add account" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Add account" }).click();
    await page.getByText("The secret is stored encrypted and is never shown again").waitFor();
    await page.getByTestId("account-validated").waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId("accounts-table").innerText(), /simulator/);
  });

  await step("creates a DCA configuration with a live grid preview", async () => {
    await nav("DCA configurations");
    await page.getByRole("link", { name: "New configuration" }).click();
    await page.getByTestId("grid-preview").waitFor();
    await choose("Entry order", "market");
    await choose("Take-profit mode", /^Aggregate:/);
    await page.getByLabel("Entry price").fill("60000");
    // The preview first shows the ticker's price, then the one typed.
    await page.getByText(/^Entry 60,?000/).first().waitFor();
    await page.getByTestId("grid-preview").getByText("Total").waitFor();
    await shot("dca-editor");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/\/dca$/);
    assert.match(await page.getByTestId("dca-table").innerText(), /BTC\/USDT/);
  });

  let webhook;
  await step("the webhook page builds the alert messages for the account and grid", async () => {
    await nav("Webhook setup");
    const url = await page.getByTestId("webhook-url").innerText();
    assert.match(url, /\/api\/v1\/webhooks\//);
    await page.getByTestId("url-warning").getByText(/TradingView cannot reach 127\.0\.0\.1/).waitFor();
    await page.getByTestId("chart-hint").getByText("BTCUSDT").waitFor();
    // The secret is dots until Show, in the message too.
    assert.match(await page.getByTestId("strategy-template").innerText(), /"secret": "•+"/);
    await shot("webhook");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    const strategy = await page.getByTestId("strategy-template").innerText();
    const secret = await page.getByTestId("webhook-secret").innerText();
    assert.ok(strategy.includes(`"secret": "${secret}"`) && secret.length > 20);
    assert.equal(JSON.parse(strategy).tv.exchange, "simulator");
    assert.equal(JSON.parse(strategy).execution_intent.type, "auto");
    await page.getByRole("tab", { name: "Exit (other alerts)" }).click();
    assert.equal(JSON.parse(await page.getByTestId("exit-template").innerText()).execution_intent.type, "exit");
    await page.getByRole("tab", { name: "Strategy alert" }).click();
    webhook = { url, strategy, secret };
  });

  let positionId;
  await step("the strategy message as pasted, filled as TradingView fills it for an entry order, opens a position live", async () => {
    await nav("Positions");
    await page.getByText("No positions here yet.").waitFor();
    const response = await tradingView(server, webhook.url, webhook.strategy, { action: "buy", orderId: "Long 1" });
    assert.equal(response.status, 202, await response.text());
    const row = page.locator("[data-position-id]").first();
    await row.waitFor();
    positionId = await row.getAttribute("data-position-id");
    assert.match(await row.innerText(), /BTC\/USDT/);
    await shot("positions");
  });

  await step("the detail page shows the filled entry, the pending legs and the chart", async () => {
    await page.locator(`[data-position-id="${positionId}"]`).getByRole("link", { name: "BTC/USDT" }).click();
    await page.waitForURL(new RegExp(`/positions/${positionId}$`));
    await page.locator('[data-testid="legs-table"] [data-leg-status="filled"]').first().waitFor();
    await page.locator('[data-testid="legs-table"] [data-leg-status="open"]').first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="stat-average-entry"]')?.textContent !== "—");
    // The filled entry leg, two pending legs, the take-profit target and the average entry, on the simulator's candles.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="position-chart"]')?.getAttribute("data-candles")) >= 1);
    assert.equal(await page.getByTestId("position-chart").getAttribute("data-lines"), "5");
    await shot("position-detail-open");
  });

  await step("a simulator price move reaches the open position's PnL within a second, without a reload", async () => {
    const admin = await apiLogin(server, "admin@tradefleet.local", server.adminPassword);
    const number = async (id) => Number((await page.getByTestId(id).innerText()).replace(/[^\d.-]/g, ""));
    const average = await number("stat-average-entry");
    // Half-way to the first safety leg (1 % below the entry): nothing fills, the mark turns red.
    const moved = average * 0.995;
    const response = await fetch(`${server.base}/api/v1/simulator/prices/BTCUSDT`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${admin}` },
      body: JSON.stringify({ price: moved.toFixed(2) }),
    });
    assert.equal(response.status, 200, await response.text());
    const movedAt = Date.now();
    // The simulator's random walk goes on from the new price: near it, not equal to it.
    await page.waitForFunction(
      (low) => {
        const shown = document.querySelector('[data-testid="stat-last-price"]')?.textContent ?? "";
        const price = Number(shown.replace(/[^\d.]/g, ""));
        return /\d/.test(shown) && price < low; // "—" until the first mark
      },
      average * 0.998,
      { timeout: 5_000, polling: 20 },
    );
    const elapsed = Date.now() - movedAt;
    assert.match(await page.getByTestId("stat-unrealized").innerText(), /^-/);
    console.log(`a price move reached the page in ${elapsed} ms`);
    // The page watches its position: the web process prices it every 0.1 s here (0.5 s by
    // default) from the shared ticker cache (0.1 s here), between the take-profit ticks
    // (trading/takeprofit/services/live_marks.py).
    assert.ok(elapsed < 1000, `the new mark took ${elapsed} ms to reach the page`);
    assert.equal(await page.evaluate(() => window.__sameLoad), true, "the page was reloaded");
  });

  await step("the simulator price rises past the target and the take-profit closes it, live", async () => {
    const admin = await apiLogin(server, "admin@tradefleet.local", server.adminPassword);
    const average = Number((await page.getByTestId("stat-average-entry").innerText()).replace(/[^\d.]/g, ""));
    const target = (average * 1.03).toFixed(2);
    const moved = await fetch(`${server.base}/api/v1/simulator/prices/BTCUSDT`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${admin}` },
      body: JSON.stringify({ price: target }),
    });
    assert.equal(moved.status, 200, await moved.text());
    await page.locator('[data-status="closed"]').first().waitFor({ timeout: 45_000 });
    await page.getByTestId("close-reason").waitFor();
    assert.match(await page.getByTestId("close-reason").innerText(), /take_profit/);
    assert.equal(await page.evaluate(() => window.__sameLoad), true, "the page was reloaded");
    await shot("position-detail-closed");
    await nav("Positions");
    await choose("Status", "Closed");
    await page.locator(`[data-position-id="${positionId}"][data-status="closed"]`).waitFor();
  });

  await step("the closed position is in the deal history with the server's realized PnL, to the cent", async () => {
    const { access } = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), AUTH_KEY));
    const response = await fetch(`${server.base}/api/v1/positions/${positionId}`, { headers: { Authorization: `Bearer ${access}` } });
    const serverRealized = Number((await response.json()).realized_pnl);
    await nav("Deal history");
    const row = page.locator(`[data-deal-id="${positionId}"]`);
    await row.waitFor();
    const shown = await row.getByTestId("deal-realized").innerText();
    assert.match(shown, /USDT/);
    assert.equal(Number(shown.replace(/[^\d.-]/g, "")).toFixed(2), serverRealized.toFixed(2));
    assert.ok(serverRealized > 0, "a take-profit close realizes a profit");
    await shot("deals");
  });

  await step("a test alert from the Webhook setup page opens a position; Close position closes it", async () => {
    await nav("Webhook setup");
    await page.getByRole("button", { name: "Test: an opening order" }).click();
    const result = page.getByTestId("test-strategy-result");
    await result.getByText("Accepted: opened a new position").waitFor();
    await shot("webhook-test-alert");
    await result.getByRole("link", { name: "Open the position" }).click();
    await page.waitForURL(/\/positions\/[0-9a-f-]{36}$/);
    await page.locator('[data-testid="legs-table"] [data-leg-status="filled"]').first().waitFor();
    await page.getByRole("button", { name: "Close position" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Close position" }).click();
    await page.locator('[data-status="closed"]').first().waitFor({ timeout: 30_000 });
  });

  await step("the same message, filled for the strategy's exit order, closes the position it opened", async () => {
    await nav("Positions");
    const opened = await tradingView(server, webhook.url, webhook.strategy, { action: "buy", orderId: "Long 3" });
    assert.equal(opened.status, 202, await opened.text());
    const row = page.locator('[data-position-id][data-status="live"], [data-position-id][data-status="waiting"], [data-position-id][data-status="partially_filled"], [data-position-id][data-status="active"]').first();
    await row.waitFor();
    const id = await row.getAttribute("data-position-id");
    await page.locator(`[data-position-id="${id}"]`).getByRole("link", { name: "BTC/USDT" }).click();
    await page.locator('[data-testid="legs-table"] [data-leg-status="filled"]').first().waitFor();
    const closed = await tradingView(server, webhook.url, webhook.strategy, { action: "sell", orderId: "Close 3" });
    assert.equal(closed.status, 202, await closed.text());
    await page.locator('[data-status="closed"]').first().waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId("close-reason").innerText(), /exit|signal/i);
  });

  await step("a refused alert raises a toast within a second and shows its reason on the Signals page", async () => {
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    const refused = await tradingView(server, webhook.url, webhook.strategy, { action: "buy", orderId: "Late 4", timenow: tenMinutesAgo });
    assert.equal(refused.status, 422, await refused.text());
    // Timed from the webhook's answer: the live event is sent when the refusal is stored.
    await page.getByText("Signal refused").first().waitFor({ timeout: 1000 });
    await page.waitForTimeout(500); // the toast slides in
    await shot("signal-refused-toast");
    await nav("Signals");
    const row = page.locator('[data-outcome="stale"]').first();
    await row.waitFor();
    assert.match(await row.innerText(), /timestamp/);
    assert.match(await row.innerText(), /signals older than 300 s are not traded/);
    await page.locator('[data-outcome="accepted"]').first().waitFor();
    await shot("signals");
    await row.getByRole("link").first().click();
    await page.getByTestId("signal-raw-body").waitFor();
    assert.match(await page.getByTestId("signal-raw-body").innerText(), /"secret": "\*\*\*"/);
    await nav("Dashboard");
    await page.getByTestId("refused-signals").waitFor();
  });

  await step("the trader's Logs page tells every step of every position", async () => {
    await nav("Logs");
    const table = page.getByTestId("log-table");
    const story = [
      /Signal accepted as an entry: opened long BTC\/USDT/,
      /Order placed: \w+ buy [\d.]+ BTC\/USDT .*exchange order \S+/,
      /Leg 1 of long BTC\/USDT \S+ filled: bought/,
      /[Tt]ake-profit .*(set at|placed|hit)/,
      /Position long BTC\/USDT \S+ closed \(take-profit/,
      /Closing long BTC\/USDT \S+ \(by hand\)/,
      /Exit signal accepted/,
      /closed \(exit signal\)/,
      /refused by the webhook \(stale\)/,
    ];
    const deadline = Date.now() + 15_000;
    let text = "";
    while (Date.now() < deadline) {
      text = await table.innerText();
      if (story.every((line) => line.test(text))) break;
      await page.waitForTimeout(500);
    }
    for (const line of story) assert.match(text, line);
    await shot("logs-story");
  });

  await step("nothing secret is left in the server's output, its files or the browser", async () => {
    const { access, refresh } = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), AUTH_KEY));
    const secrets = { password: trader.password, "webhook secret": webhook.secret, "access token": access, "refresh token": refresh };
    const hits = await secretHits({ server, page, consoleLines, secrets, tokens: ["access token", "refresh token"] });
    assert.deepEqual(hits, []);
  });

  await step("every page renders, in both themes and on a phone", async () => {
    const pages = [
      ["dashboard", "/"],
      ["queue", "/queue"],
      ["risk", "/risk"],
      ["service", "/service"],
      ["accounts", "/accounts"],
      ["dca-list", "/dca"],
      ["trading-config", "/trading-config"],
      ["webhook", "/webhook"],
      ["signals", "/signals"],
      ["logs", "/logs"],
      ["logs-errors", "/logs?tab=errors"],
    ];
    for (const [name, path] of pages) {
      await page.goto(server.base + path);
      await page.locator("main h1").first().waitFor();
      await page.waitForLoadState("networkidle").catch(() => undefined);
      await shot(name);
    }
    await page.getByRole("button", { name: /Switch to the dark theme/ }).click();
    await page.goto(server.base + "/");
    await page.locator("main h1").first().waitFor();
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot("dashboard-dark");
    await page.getByRole("button", { name: /Switch to the light theme/ }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(server.base + "/positions?status=all");
    await page.locator("main h1").first().waitFor();
    await shot("positions-phone");
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  await step("an admin sees the admin area: users, audit trail, health", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel("E-mail").fill("admin@tradefleet.local");
    await page.locator('input[type="password"]').fill(server.adminPassword);
    await page.getByRole("button", { name: "Log in" }).click();
    await nav("Admin");
    await page.getByTestId("users-table").getByText(trader.email).waitFor();
    await shot("admin-users");
    await page.getByRole("tab", { name: "Audit trail" }).click();
    await page.getByTestId("audit-table").waitFor();
    await shot("admin-audit");
    await page.getByRole("tab", { name: "Health" }).click();
    await page.getByText("database").first().waitFor();
    await shot("admin-health");
  });

  assert.deepEqual(problems, []);
});
