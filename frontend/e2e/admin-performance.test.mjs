// The performance dashboard in a real browser against a real embedded server: the demo trader's
// TradingView alert is posted over HTTP, the admin opens Admin → Performance and sees the API
// latency and webhook charts fill with points (the server flushes its measurements every 2 s
// here), switches to the last day (kept in the URL), the page passes axe's WCAG 2 A/AA rules, an
// alert threshold is refused when negative and saved when not, and a threshold the API's p99 is
// above fires at the next check: listed, badged and notified to the admins.
//
//   node --test e2e/admin-performance.test.mjs     (needs `npm run build` first)
//   E2E_SCREENSHOTS=../docs/images/admin           where admin-performance*.png go (default: a temporary folder)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { apiLogin, axeViolations, describeViolations, fullPageShot, isSevere, launchBrowser, screenshotDir, startServer, stepper, tradingView } from "./server.mjs";

const shots = screenshotDir();

let server;
let browser;
let page;
const problems = [];

before(async () => {
  // Measurements reach the database every 2 s instead of every minute, so the charts fill quickly.
  // The alert rules are checked every 5 s instead of every minute.
  server = await startServer({ env: { MONITORING_FLUSH_SECONDS: "2", MONITORING_ALERT_SECONDS: "5" } });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // 400: the negative threshold the test sends on purpose.
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
  // Toasts close on their own after a few seconds: the picture shows the page without them.
  await page.waitForFunction(() => !document.querySelector(".mantine-Notification-root"), null, { timeout: 15_000 }).catch(() => undefined);
  await fullPageShot(page, join(shots, `${name}.png`));
}

async function call(method, path, token, body) {
  const response = await fetch(`${server.base}/api/v1/${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function logIn(p) {
  await p.goto(server.base + "/login");
  await p.getByLabel("E-mail").fill("admin@tradefleet.local");
  await p.locator('input[type="password"]').fill(server.adminPassword);
  await p.getByRole("button", { name: "Log in" }).click();
  await p.waitForURL((url) => !url.pathname.startsWith("/login"));
}

// What e2e/accessibility.test.mjs checks on every page: WCAG 2 A/AA and the heading and landmark
// rules, on the whole document. The serious and critical findings, and any about the headings
// (h2 sections, h3 panels under the page's h1), one line each.
const BEST_PRACTICE = ["page-has-heading-one", "heading-order", "landmark-one-main", "landmark-unique", "region", "empty-heading"];
async function severeProblems(p) {
  const violations = await axeViolations(p, "html", { rules: BEST_PRACTICE });
  return describeViolations(violations.filter((violation) => isSevere(violation) || /heading/.test(violation.id)));
}

const chartPoints = (key) => page.locator(`[data-panel="${key}"] [data-testid="metric-chart"]`).getAttribute("data-points", { timeout: 1_000 }).then(Number, () => 0);

/** Presses Refresh until every named chart has a measured point (the page itself asks every 30 s). */
async function chartsFilled(keys, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const counts = Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await chartPoints(key)])));
    if (keys.every((key) => counts[key] > 0)) return counts;
    if (Date.now() > deadline) assert.fail(`charts still empty after ${timeout / 1000} s: ${JSON.stringify(counts)}`);
    await page.waitForTimeout(2_000);
    await page.getByRole("button", { name: "Refresh" }).click();
  }
}

test("an admin sees the platform's performance after a webhook and sets an alert threshold", async (root) => {
  const step = stepper(root, (slug) => shot(`admin-performance-failed-${slug}`));
  let admin;

  await step("the demo trader's TradingView alert is accepted", async () => {
    const password = /trader@tradefleet\.local\s+password: (\S+)/.exec(server.output())?.[1];
    assert.ok(password, "the embedded server prints the demo trader's password");
    const trader = await apiLogin(server, "trader@tradefleet.local", password);
    // The message the Webhook setup page shows for the demo trader's simulator account and grid.
    const setup = await call("GET", "webhook-templates", trader);
    const response = await tradingView(server, setup.url, JSON.stringify(setup.strategy), { action: "buy", orderId: "Long 1" });
    assert.equal(response.status, 202, await response.text());
  });

  await step("the admin opens Admin → Performance: API latency and the webhook charts fill with points", async () => {
    admin = await apiLogin(server, "admin@tradefleet.local", server.adminPassword);
    await logIn(page);
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("tab", { name: "Performance" }).click();
    await page.waitForURL(/\/manage\/performance/);
    await page.getByRole("heading", { level: 2, name: "Performance" }).waitFor();
    const counts = await chartsFilled(["api_latency", "webhook_rate", "webhook_latency"]);
    console.log(`measured points: ${JSON.stringify(counts)}`);
    assert.match(await page.getByTestId("performance-as-of").innerText(), /^As of /);
    // Every panel of the contract is there, with data or saying it has none yet.
    const panels = await page.getByTestId("performance-panel").evaluateAll((cards) => cards.map((card) => card.getAttribute("data-panel")));
    for (const key of ["api_latency", "api_endpoints", "webhook_rate", "webhook_latency", "signal_to_order", "queue_depth", "task_durations", "orders", "ratelimit_waits", "service_uptime", "process_memory", "process_cpu", "db_query_time"]) {
      assert.ok(panels.includes(key), `the ${key} panel is missing: ${panels.join(", ")}`);
    }
    assert.ok(Number(await page.locator('[data-panel="api_endpoints"] [data-testid="metric-table"]').getAttribute("data-rows")) > 0, "the endpoints table lists the API's requests");
    await shot("admin-performance");
  });

  await step("the last day is kept in the URL and shows the same measurements", async () => {
    await page.getByText("Last day", { exact: true }).click();
    await page.waitForURL(/\/manage\/performance\?window=day$/);
    await page.getByRole("figure", { name: "API latency (ms), last day" }).waitFor();
    await chartsFilled(["api_latency", "webhook_rate"]);
    await page.reload();
    await page.getByRole("figure", { name: "API latency (ms), last day" }).waitFor();
    await shot("admin-performance-day");
  });

  await step("the dashboard passes axe's WCAG 2 A/AA rules and the heading rules, in the light and the dark theme", async () => {
    assert.deepEqual(await severeProblems(page), []);
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "dark" });
    await context.addInitScript(() => localStorage.setItem("tradefleet.theme", "dark")); // src/App.tsx's colour-scheme manager
    const dark = await context.newPage();
    dark.setDefaultTimeout(20_000);
    dark.on("pageerror", (error) => problems.push(`page error (dark): ${error.message}`));
    await logIn(dark);
    await dark.goto(server.base + "/manage/performance?window=day");
    await dark.getByRole("figure", { name: "API latency (ms), last day" }).waitFor();
    await dark.getByTestId("alert-rules").getByRole("group").first().waitFor();
    assert.equal(await dark.evaluate(() => document.documentElement.getAttribute("data-mantine-color-scheme")), "dark");
    assert.deepEqual(await severeProblems(dark), []);
    await context.close();
  });

  await step("a negative threshold is refused next to its field; a good one is saved", async () => {
    const rule = page.getByRole("group", { name: "API p99 latency" });
    const threshold = rule.getByRole("textbox", { name: "Threshold (ms)" });
    await threshold.fill("-1");
    await rule.getByRole("button", { name: "Save" }).click();
    await rule.getByText(/greater than or equal to 0/).waitFor();
    await threshold.fill("1500");
    await rule.getByRole("button", { name: "Save" }).click();
    await page.waitForFunction(() => {
      const input = document.querySelector('[data-rule="api_p99"] input:not([type="checkbox"])');
      return Number(input?.value) === 1500;
    });
    await page.getByRole("group", { name: "API p99 latency" }).getByText(/greater than or equal to 0/).waitFor({ state: "detached" });
    const saved = (await call("GET", "admin/alerts", admin)).rules.find((each) => each.key === "api_p99");
    assert.equal(Number(saved.threshold), 1500);
  });

  await step("a threshold the API's p99 is above fires at the next check: a Firing badge, a recent alert, a notification", async () => {
    const rule = page.getByRole("group", { name: "API p99 latency" });
    await rule.getByRole("textbox", { name: "Threshold (ms)" }).fill("1");
    await rule.getByRole("button", { name: "Save" }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-rule="api_p99"] input:not([type="checkbox"])')?.value) === 1);
    // The rules are checked every 5 s here; Refresh reads them again sooner than the page's 30 s.
    const deadline = Date.now() + 60_000;
    while (!(await page.locator('[data-rule="api_p99"][data-firing="true"]').count())) {
      assert.ok(Date.now() < deadline, "the API p99 rule did not fire within 60 s");
      await page.waitForTimeout(3_000);
      await page.getByRole("button", { name: "Refresh" }).click();
    }
    await page.getByRole("group", { name: "API p99 latency" }).getByText("Firing", { exact: true }).waitFor();
    // Another rule may have fired meanwhile: the row that matters is this rule's.
    const event = page.getByTestId("alert-events").locator("tbody tr").filter({ hasText: "API p99 latency" }).first();
    await event.waitFor();
    // Under load the rule may already have fired at its default 2,000 ms before the test lowered it
    // (a firing rule is not told twice): the event shows the threshold it fired at.
    assert.match(await event.innerText(), /^API p99 latency\s+[\d,.]+ ms\s+[\d,.]+ ms\s+.+\s+Firing$/i);
    const { results } = await call("GET", "notifications?page_size=20", admin);
    const told = results.find((row) => row.type === "performance_alert");
    assert.ok(told, `no performance alert among the admin's notifications: ${results.map((row) => row.type).join(", ")}`);
    assert.match(told.title, /^Alert: API p99 latency/);
    assert.equal(told.link, "/manage/performance");
    await page.getByTestId("alert-rules").scrollIntoViewIfNeeded();
    await page.waitForFunction(() => !document.querySelector(".mantine-Notification-root"), null, { timeout: 15_000 }).catch(() => undefined);
    await page.getByTestId("alert-rules").screenshot({ path: join(shots, "admin-performance-alerts.png") });
    assert.deepEqual(problems, []);
  });
});
