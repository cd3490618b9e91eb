// The NSE strategy in a real browser against a real embedded server (`manage.py run_embedded`,
// which also starts the Kotak-Neo-compatible simulator with two years of daily candles for its 25
// stocks): the demo trader connects a Kotak simulator account (through the API), opens the
// strategy page, chooses the account and a universe, turns the strategy on and saves; presses
// "Run now" on the analysis; the scanner table fills with every symbol's verdict, and a row opens
// its candle chart with EMA9, EMA200 and RSI. The holdings page opens; the import wizard reads the
// sample files of the old service (docs/samples/legacy) as a dry run, applies them and rolls them
// back. The strategy page passes axe's WCAG 2 A/AA rules.
//
//   node --test e2e/strategy.test.mjs            (needs `npm run build` first)
//   E2E_SCREENSHOTS=../docs/images/web-app       where the strategy-*.png go (default: a temporary folder)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { accessibilityProblems, apiLogin, fullPageShot, launchBrowser, REPO, screenshotDir, startServer, stepper } from "./server.mjs";

const shots = screenshotDir();

const SAMPLES = ["trades_history.json", "pending_orders.json", "system_recommended_symbols.json"];
const UNIVERSE = ["RELIANCE", "TCS", "INFY", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "WIPRO"];
let server;
let browser;
let page;
let trader;
const problems = [];

before(async () => {
  server = await startServer();
  const password = /trader@tradefleet\.local\s+password: (\S+)/.exec(server.output())?.[1];
  assert.ok(password, "the embedded server prints the demo trader's password");
  trader = { email: "trader@tradefleet.local", password };
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // 400 is the refused setting below, on purpose.
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401|404)/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  console.log(`\nscreenshots: ${shots}\n`);
});

async function shot(name) {
  await fullPageShot(page, join(shots, `${name}.png`));
}

test("a trader sets up the NSE strategy, runs the analysis and reads the scanner", async (root) => {
  const step = stepper(root, (slug) => shot(`strategy-failed-${slug}`));

  await step("the demo trader has a Kotak simulator account and logs in", async () => {
    const access = await apiLogin(server, trader.email, trader.password);
    const response = await fetch(`${server.base}/api/v1/keys/kotak_simulator`, {
      method: "POST",
      headers: { Authorization: `Bearer ${access}`, "Content-Type": "application/json" },
      body: JSON.stringify({ mode: "testnet", label: "default" }),
    });
    assert.equal(response.status, 201, await response.text());
    await page.goto(server.base + "/login");
    await page.getByLabel("E-mail").fill(trader.email);
    await page.locator('input[type="password"]').fill(trader.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  });

  await step("opens the strategy from the navigation: the seven tasks and the settings form", async () => {
    await page.getByRole("link", { name: "NSE strategy" }).click();
    await page.waitForURL(/\/strategy$/);
    await page.getByRole("heading", { level: 1, name: "NSE strategy" }).waitFor();
    assert.equal(await page.title(), "NSE strategy · Tradefleet");
    const tasks = page.getByTestId("strategy-tasks");
    await tasks.locator('[data-task="end_of_day"]').waitFor();
    assert.equal(await tasks.locator("tbody tr").count(), 7);
    assert.match(await tasks.locator('[data-task="analysis"]').innerText(), /0 16 \* \* 1-5/);
  });

  await step("chooses the account and the universe, turns the strategy on and saves", async () => {
    await page.getByRole("textbox", { name: "Broker account", exact: true }).click();
    await page.getByRole("option", { name: "kotak_simulator · default", exact: true }).click();
    await page.getByLabel("Universe", { exact: true }).fill(UNIVERSE.join(", "));
    await page.getByRole("switch", { name: /Strategy on/ }).check();
    await page.getByTestId("unsaved").waitFor();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Strategy settings saved").waitFor();
    await page.getByTestId("unsaved").waitFor({ state: "hidden" });
    await page.reload();
    assert.equal(await page.getByLabel("Universe", { exact: true }).inputValue(), UNIVERSE.join(", "));
    assert.equal(await page.getByRole("switch", { name: /Strategy on/ }).isChecked(), true);
    await shot("strategy-settings");
  });

  await step("the strategy page passes axe's WCAG 2 A/AA rules", async () => {
    assert.deepEqual(await accessibilityProblems(page), []);
  });

  await step("Run now on the analysis queues it and its outcome lands in the tasks table", async () => {
    await page.getByRole("button", { name: "Run Analysis now" }).click();
    await page.getByTestId("run-feedback-analysis").getByText(/Queued at/).waitFor();
    const analysis = page.getByTestId("strategy-tasks").locator('[data-task="analysis"]');
    await analysis.locator('[data-status="success"]').waitFor({ timeout: 180_000 });
    await shot("strategy-tasks");
  });

  await step("the scanner lists every symbol with its verdict, scores and the rule it failed", async () => {
    await page.getByRole("link", { name: "Scanner" }).click();
    await page.waitForURL(/\/strategy\/scanner$/);
    const results = page.getByTestId("scanner-results");
    await results.locator("tbody tr").first().waitFor({ timeout: 60_000 });
    assert.equal(await results.locator("tbody tr").count(), UNIVERSE.length);
    for (const symbol of UNIVERSE) await results.locator(`[data-symbol="${symbol}"]`).waitFor();
    const text = await results.innerText();
    assert.match(text, /avoid|watch|buy/i);
    assert.match(text, /RSI not oversold|Volume too low|Chart quality too low|Combined score under|Trades:/);
    await shot("strategy-scanner");
  });

  await step("a row opens the candle chart with EMA9, EMA200 and RSI", async () => {
    await page.getByRole("button", { name: "Show the chart of RELIANCE" }).click();
    const chart = page.getByTestId("candle-chart");
    await chart.waitFor({ timeout: 30_000 });
    assert.ok(Number(await chart.getAttribute("data-candles")) >= 200, "about a year of daily candles");
    assert.match(await chart.getAttribute("aria-label"), /RELIANCE with EMA9 and EMA200, and RSI below/);
    await page.waitForTimeout(500); // the canvas paints
    await page.getByTestId("symbol-chart").scrollIntoViewIfNeeded();
    await shot("strategy-chart");
  });

  await step("a bad value is refused next to its field and nothing is saved", async () => {
    await page.getByRole("link", { name: "Settings & tasks" }).click();
    await page.getByRole("button", { name: /Entry: RSI/ }).click();
    const extreme = page.getByLabel("RSI extreme oversold", { exact: true });
    await extreme.fill("45");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("must not be above rsi_oversold").waitFor();
    assert.equal(await extreme.getAttribute("aria-invalid"), "true");
    await shot("strategy-settings-error");
    await page.getByRole("button", { name: "Discard changes" }).click();
    assert.equal(await extreme.inputValue(), "20");
  });

  await step("the import wizard reads the old service's files as a dry run and applies them", async () => {
    await page.getByRole("link", { name: "Import" }).click();
    await page.getByRole("heading", { level: 1, name: "Import the old service's files" }).waitFor();
    await page.getByText("No import yet.").waitFor();
    await page.locator('input[type="file"]').setInputFiles(SAMPLES.map((name) => join(REPO, "docs/samples/legacy", name)));
    await page.getByRole("button", { name: "Upload and check (dry run)" }).click();
    const batch = page.getByTestId("import-batch");
    await batch.locator('[data-status="dry_run"]').waitFor({ timeout: 30_000 });
    await batch.getByTestId("import-report").locator("[data-kind]").first().waitFor();
    assert.ok((await batch.getByTestId("import-report").locator("[data-kind]").count()) >= 2);
    await shot("strategy-import-dry-run");
    await batch.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Apply" }).click();
    await batch.locator('[data-status="applied"]').waitFor({ timeout: 30_000 });
    await page.getByTestId("earlier-imports").waitFor();
    await shot("strategy-import");
  });

  await step("the imported open trades are the strategy's holdings", async () => {
    await page.getByRole("link", { name: "Holdings" }).click();
    await page.getByRole("heading", { level: 1, name: "Strategy holdings" }).waitFor();
    await page.getByTestId("strategy-holdings").locator("tbody tr").first().waitFor();
    await page.getByRole("heading", { name: "Day summaries" }).waitFor();
    await shot("strategy-holdings");
  });

  await step("an earlier import opens from the list and rolls back", async () => {
    await page.getByRole("link", { name: "Import" }).click();
    await page.getByTestId("earlier-imports").getByRole("button", { name: /^Open the import of/ }).first().click();
    const batch = page.getByTestId("import-batch");
    await batch.locator('[data-status="applied"]').waitFor();
    await batch.getByRole("button", { name: "Roll back" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
    await batch.locator('[data-status="rolled_back"]').waitFor({ timeout: 30_000 });
    await page.getByRole("link", { name: "Holdings" }).click();
    await page.getByText("The strategy holds nothing now").waitFor();
  });

  assert.deepEqual(problems, []);
});
