// The ML area in a real browser against a real embedded server (`manage.py run_embedded`, whose
// in-process worker takes the `ml` queue): the admin opens Admin → ML models, loads the sample
// history (bokeh-sampledata's daily AAPL, GOOG, IBM, MSFT), trains a random forest on two of its
// symbols and watches the job's progress bar move live to 100 %; opens the registered model (scores
// per class, the confusion matrix, the walk-forward backtest chart) and activates it through the
// confirmation. The ML tab passes axe's WCAG 2 A/AA rules. Then the demo trader's trading config
// shows the active model's version in its ML filter card.
//
//   node --test e2e/ml.test.mjs                  (needs `npm run build` first)
//   E2E_SCREENSHOTS=../docs/images               where the ml-*.png go (default: a temporary folder)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { accessibilityProblems, fullPageShot, launchBrowser, screenshotDir, startServer, stepper } from "./server.mjs";

const shots = screenshotDir();

let server;
let browser;
let page;
const problems = [];

function watch(p) {
  p.setDefaultTimeout(20_000);
  p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  p.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (401|404)/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "light" });
  const p = await context.newPage();
  watch(p);
  return p;
}

async function logIn(p, email, password) {
  await p.goto(server.base + "/login");
  await p.getByLabel("E-mail").fill(email);
  await p.locator('input[type="password"]').fill(password);
  await p.getByRole("button", { name: "Log in" }).click();
  await p.waitForURL((url) => !url.pathname.startsWith("/login"));
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  console.log(`\nscreenshots: ${shots}\n`);
});

async function shot(p, name) {
  // Toasts close on their own after a few seconds: the picture shows the page without them.
  await p.waitForFunction(() => !document.querySelector(".mantine-Notification-root"), null, { timeout: 15_000 }).catch(() => undefined);
  await fullPageShot(p, join(shots, `${name}.png`));
}

test("an admin trains a model, reads it, activates it, and a trader sees it", async (root) => {
  const step = stepper(root, (slug) => shot(page, `ml-failed-${slug}`));

  await step("the admin opens Admin → ML models: no daily candles yet", async () => {
    await logIn(page, "admin@tradefleet.local", server.adminPassword);
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("tab", { name: "ML models" }).click();
    await page.waitForURL(/\/manage\/ml$/);
    await page.getByTestId("sample-history").waitFor();
    await page.getByText("No training job yet.").waitFor();
  });

  await step("loads the sample history: the form offers its four symbols from csv", async () => {
    await page.getByRole("button", { name: "Load the sample history" }).click();
    await page.getByText(/Loaded [\d,]+ daily candles of AAPL, GOOG, IBM, MSFT \(source csv\)/).waitFor({ timeout: 60_000 });
    const form = page.getByRole("form", { name: "Train a model" });
    await form.waitFor();
    assert.equal(await form.getByRole("textbox", { name: "Data source" }).inputValue(), "csv (4 daily series)");
  });

  await step("starts a random forest on two symbols and watches its progress bar move to 100 %", async () => {
    const form = page.getByRole("form", { name: "Train a model" });
    await form.getByRole("textbox", { name: "Symbols" }).click();
    await page.getByRole("option", { name: "AAPL", exact: true }).click();
    await page.getByRole("option", { name: "IBM", exact: true }).click();
    await page.keyboard.press("Escape");
    await form.getByRole("textbox", { name: "Trees (n_estimators)" }).fill("10");
    await form.getByRole("textbox", { name: "Max depth" }).fill("5");
    // Every value the newest job's bar shows, and its last log lines, as the page renders them.
    await page.evaluate(() => {
      window.__seen = { progress: [], lines: [] };
      const record = () => {
        const row = document.querySelector('[data-testid="ml-jobs"] tbody tr');
        const value = row?.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow");
        const line = row?.querySelector('[data-testid="job-last-log"]')?.textContent ?? "";
        if (value !== undefined && value !== null && window.__seen.progress.at(-1) !== value) window.__seen.progress.push(value);
        if (line && window.__seen.lines.at(-1) !== line) window.__seen.lines.push(line);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await form.getByRole("button", { name: "Start training" }).click();
    await page.getByText("Training started: Verdict classifier on AAPL, IBM").waitFor();
    const row = page.getByTestId("ml-jobs").locator("tbody tr").first();
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: 300_000 });
    assert.equal(await row.getByRole("progressbar").getAttribute("aria-valuenow"), "100");
    const seen = await page.evaluate(() => window.__seen);
    const values = seen.progress.map(Number);
    assert.ok(values.some((v) => v > 0 && v < 100), `an intermediate value was shown: ${values.join(", ")}`);
    assert.deepEqual([...values].sort((a, b) => a - b), values, `the bar never went back: ${values.join(", ")}`);
    assert.ok(seen.lines.length >= 3, `the last log line changed as the job went: ${seen.lines.join(" | ")}`);
    await page.getByTestId("ml-models").locator('[data-version="1"]').waitFor();
    await shot(page, "ml-training");
  });

  await step("the job opens with its whole log", async () => {
    await page.getByRole("button", { name: /^Open the job Verdict classifier, Random forest/ }).first().click();
    const detail = page.getByTestId("job-detail");
    await detail.waitFor();
    assert.ok(Number(await detail.getByTestId("job-log").getAttribute("data-lines")) >= 5);
    await detail.getByText(/Backtest/).first().waitFor();
    await detail.getByRole("button", { name: "Open the model it registered" }).click();
  });

  await step("the model shows its scores per class, the confusion matrix and the backtest chart", async () => {
    const detail = page.getByTestId("model-detail");
    await detail.waitFor();
    const matrix = detail.getByTestId("confusion-matrix");
    await matrix.waitFor();
    const headers = await matrix.locator("thead th").allInnerTexts();
    assert.deepEqual(headers.slice(1), ["avoid", "watch", "buy", "strong buy"]);
    assert.equal(await matrix.locator("tbody tr").count(), 4);
    assert.ok((await detail.getByTestId("class-scores").locator("tbody tr").count()) >= 2);
    const chart = detail.getByTestId("equity-chart");
    await chart.waitFor();
    assert.equal(await chart.getAttribute("data-curves"), "3");
    assert.equal(await chart.locator("canvas").first().isVisible(), true);
    assert.equal(await detail.getByTestId("backtest-summary").locator("tbody tr").count(), 3);
    await page.waitForTimeout(500); // the canvas paints
    await shot(page, "ml-model");
    assert.deepEqual(await accessibilityProblems(page, ".mantine-Drawer-content"), []);
  });

  await step("activates it through the confirmation and sees the Active badge", async () => {
    const detail = page.getByTestId("model-detail");
    await detail.getByRole("button", { name: "Activate" }).click();
    const confirm = page.getByRole("dialog", { name: "Activate Verdict classifier v1?" });
    await confirm.getByText("Traders who opted in will filter their next buys with v1").waitFor();
    await confirm.getByRole("button", { name: "Activate" }).click();
    await page.getByText("Verdict classifier v1 is active").waitFor();
    await detail.getByText("Active", { exact: true }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("ml-models").locator('[data-version="1"]').getByTestId("active-badge").waitFor();
  });

  await step("the ML tab passes axe's WCAG 2 A/AA rules, as the model's drawer did", async () => {
    await page.getByTestId("model-detail").waitFor({ state: "hidden" });
    assert.deepEqual(await accessibilityProblems(page, '[data-testid="ml-panel"]'), []);
  });

  await step("the demo trader's trading config shows the active model in its ML filter", async () => {
    const password = /trader@tradefleet\.local\s+password: (\S+)/.exec(server.output())?.[1];
    assert.ok(password, "the embedded server prints the demo trader's password");
    const trader = await newPage();
    await logIn(trader, "trader@tradefleet.local", password);
    await trader.getByRole("link", { name: "Trading config" }).click();
    const card = trader.getByTestId("ml-filter");
    await card.getByText("Active model: v1").waitFor();
    await card.getByTestId("active-model-backtest").waitFor();
    assert.equal(await card.getByRole("textbox", { name: /Model version/ }).inputValue(), "the active model");
    await card.getByRole("switch", { name: /Filter my buys with the ML model/ }).check();
    await trader.getByRole("button", { name: "Save", exact: true }).click();
    await trader.getByText("Trading config saved").waitFor();
    await card.scrollIntoViewIfNeeded();
    await shot(trader, "ml-trading-config");
    await trader.context().close();
  });

  assert.deepEqual(problems, []);
});
