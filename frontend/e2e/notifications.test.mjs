// Notifications in a real browser against a real embedded server (`manage.py run_embedded`): the
// demo trader watches the header's bell while a TradingView alert, posted over HTTP to the URL and
// with the message the Webhook setup page shows, opens a position and its entry fills (the count
// rises, no reload), the simulator's price falls to the next DCA leg (it fills: the count rises
// again; info, so no toast) and an exit alert closes the position (a warning: a toast too). The
// bell's list and the notifications page show them newest first; one is marked read, then all:
// the bell shows 0. The settings page sends an in-app test. The bell's list and both pages pass
// axe's WCAG 2 A/AA rules.
//
//   node --test e2e/notifications.test.mjs      (needs `npm run build` first)
//   E2E_SCREENSHOTS=../docs/images              where the notifications-*.png go (default: a temporary folder)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { accessibilityProblems, apiLogin, fullPageShot, launchBrowser, screenshotDir, startServer, stepper, tradingView } from "./server.mjs";

const shots = screenshotDir();

let server;
let browser;
let page;
const problems = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (401|404)/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  console.log(`\nscreenshots: ${shots}\n`);
});

// Toasts are closed first: the pictures show the page, not what pops up over it.
async function closeToasts() {
  await page.evaluate(() => document.querySelectorAll(".mantine-Notification-root .mantine-Notification-closeButton").forEach((button) => button.click()));
  await page.waitForFunction(() => !document.querySelector(".mantine-Notification-root"), null, { timeout: 5_000 }).catch(() => undefined);
}

async function shot(name) {
  await closeToasts();
  await fullPageShot(page, join(shots, `${name}.png`));
}

const nav = (label) => page.getByRole("navigation").getByRole("link", { name: label, exact: true }).click();
const bell = () => page.getByTestId("notification-bell");
const unread = async () => Number(await bell().getAttribute("data-unread"));
async function unreadAbove(count, timeout = 30_000) {
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="notification-bell"]')?.getAttribute("data-unread")) > n,
    count,
    { timeout },
  );
  return unread();
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


// The notifications the trader has, newest first, as the API lists them.
async function listed(token) {
  return (await call("GET", "notifications?page_size=100", token)).results;
}
// The newest one that matches, once the server has it.
async function notification(token, matches, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const rows = await listed(token);
    const found = rows.find(matches);
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`no such notification among: ${rows.map((row) => `${row.type} ${row.title}`).join("; ")}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}
const unreadCount = async (token) => (await call("GET", "notifications/unread-count", token)).unread;
async function bellShows(count) {
  await page.waitForFunction((n) => document.querySelector('[data-testid="notification-bell"]')?.getAttribute("data-unread") === String(n), count);
}

test("the bell counts what happens to a position, live; the pages list and settle it", async (root) => {
  const step = stepper(root, (slug) => shot(`notifications-failed-${slug}`));
  let token;
  let before = 0;

  await step("the demo trader logs in: the bell in the header shows the unread count", async () => {
    const password = /trader@tradefleet\.local\s+password: (\S+)/.exec(server.output())?.[1];
    assert.ok(password, "the embedded server prints the demo trader's password");
    token = await apiLogin(server, "trader@tradefleet.local", password);
    await page.goto(server.base + "/login");
    await page.getByLabel("E-mail").fill("trader@tradefleet.local");
    await page.locator('input[type="password"]').fill(password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/login"));
    await page.getByTestId("connection-state").and(page.locator('[data-state="open"]')).waitFor();
    const expected = await unreadCount(token);
    await bellShows(expected);
    before = await unread();
    assert.equal(before, expected);
    const name = await bell().getAttribute("aria-label");
    assert.equal(name, before ? `Notifications: ${before} unread` : "Notifications: none unread");
    if (before) assert.equal(await page.getByTestId("unread-count").innerText(), String(before));
    // Everything from here on happens in this one page load.
    await page.evaluate(() => (window.__sameLoad = true));
  });

  let webhook;
  // The embedded server gave the demo trader a funded simulator account and a BTC/USDT grid: an
  // entry and two legs 1 % and 2 % below it.
  await step("the Webhook setup page shows the trader's URL and the strategy alert's message", async () => {
    await nav("Webhook setup");
    webhook = { url: await page.getByTestId("webhook-url").innerText() };
    assert.match(webhook.url, /\/api\/v1\/webhooks\//);
    await page.getByRole("button", { name: "Show", exact: true }).click();
    webhook.strategy = await page.getByTestId("strategy-template").innerText();
    assert.equal(JSON.parse(webhook.strategy).tv.exchange, "simulator");
  });

  let positionId;
  await step("an alert as TradingView posts it opens a position: the bell's count rises, live", async () => {
    await nav("Dashboard");
    // Every notification toast the page shows from here on.
    await page.evaluate(() => {
      window.__toasts = new Set();
      new MutationObserver(() => {
        for (const node of document.querySelectorAll('[data-testid="notification-toast"]')) window.__toasts.add(node.getAttribute("data-notification-id"));
      }).observe(document.body, { subtree: true, childList: true });
    });
    const response = await tradingView(server, webhook.url, webhook.strategy, { action: "buy", orderId: "Long 1" });
    assert.equal(response.status, 202, await response.text());
    const count = await unreadAbove(before);
    const opened = await notification(token, (row) => row.type === "position_opened");
    assert.match(opened.title, /^Position opened: long BTC\/USDT/);
    assert.match(opened.message, /^Signal accepted as an entry: opened long BTC\/USDT/);
    assert.match(opened.link, /^\/positions\/[0-9a-f-]{36}$/);
    positionId = opened.link.split("/").pop();
    assert.equal(await page.getByTestId("unread-count").innerText(), String(count));
    assert.equal(await bell().getAttribute("aria-label"), `Notifications: ${count} unread`);
  });

  await step("the entry fills: leg 1 is counted too", async () => {
    const entry = await notification(token, (row) => row.type === "leg_filled" && row.data.position_id === positionId && row.data.leg === 1);
    assert.match(entry.title, /^Leg 1 filled: long BTC\/USDT/);
    await bellShows(await unreadCount(token));
  });

  await step("the price falls to the next DCA leg, it fills: the count rises again", async () => {
    const count = await unread();
    const detail = await call("GET", `positions/${positionId}`, token);
    const waiting = detail.pyramids.flatMap((pyramid) => pyramid.legs).filter((leg) => leg.status === "open");
    assert.ok(waiting.length >= 1, `a leg still waits: ${JSON.stringify(detail.pyramids)}`);
    const next = waiting.reduce((a, b) => (Number(a.price) > Number(b.price) ? a : b));
    const admin = await apiLogin(server, "admin@tradefleet.local", server.adminPassword);
    await call("PUT", "simulator/prices/BTCUSDT", admin, { price: (Number(next.price) * 0.999).toFixed(2) });
    assert.ok((await unreadAbove(count, 45_000)) > count);
    const filled = await notification(token, (row) => row.type === "leg_filled" && row.data.order_id === next.id);
    assert.match(filled.title, /^Leg 2 filled: long BTC\/USDT/);
    assert.match(filled.message, /^Bought [\d.]+ BTC\/USDT at [\d.]+\.$/);
    assert.equal(filled.link, `/positions/${positionId}`);
    await bellShows(await unreadCount(token));
    assert.equal(await page.evaluate(() => window.__sameLoad), true, "the page was reloaded");
    // Info notifications only count on the bell: no toast for the opening or the fills.
    assert.deepEqual(await page.evaluate(() => [...window.__toasts]), []);
  });

  await step("an exit alert closes the position: a warning, so a toast too, and the count rises", async () => {
    const count = await unread();
    const response = await tradingView(server, webhook.url, webhook.strategy, { action: "sell", orderId: "Close 1" });
    assert.equal(response.status, 202, await response.text());
    const toast = page.getByTestId("notification-toast");
    await toast.first().waitFor({ timeout: 30_000 });
    assert.ok((await unreadAbove(count)) > count);
    const closed = await notification(token, (row) => row.type === "position_closed");
    assert.equal(closed.level, "warning");
    assert.match(closed.message, /^Position long BTC\/USDT \S+ closed \(exit signal\)/);
    assert.equal(await toast.first().getAttribute("data-notification-id"), closed.id);
    assert.match(await toast.first().innerText(), /closed \(exit signal\)/);
    await bellShows(await unreadCount(token));
  });

  await step("the bell opens on the latest unread", async () => {
    await closeToasts();
    await bell().click();
    const list = page.getByRole("dialog", { name: "Unread notifications" });
    await list.getByTestId("notification").first().waitFor();
    const titles = await list.getByTestId("notification").getByRole("link").allInnerTexts();
    const unreadRows = (await listed(token)).filter((row) => !row.read_at);
    assert.deepEqual(titles, unreadRows.slice(0, 8).map((row) => row.title), "the latest unread, newest first");
    for (const title of [/^Closed: long BTC\/USDT/, /^Leg 2 filled/, /^Leg 1 filled/, /^Position opened/]) assert.ok(titles.some((t) => title.test(t)), `${title} in ${titles}`);
    assert.deepEqual(await accessibilityProblems(page, '[role="dialog"]'), []);
    await page.waitForTimeout(300); // the popover's transition
    // The header and the open list, not the page under them.
    await page.screenshot({ path: join(shots, "notifications-bell.png"), clip: { x: 566, y: 0, width: 800, height: 620 } });
    await page.keyboard.press("Escape");
    await list.waitFor({ state: "hidden" });
  });

  await step("the notifications page lists them newest first; one is marked read", async () => {
    await closeToasts();
    await bell().click();
    await page.getByRole("dialog", { name: "Unread notifications" }).getByRole("link", { name: /^See all notifications/ }).click();
    await page.waitForURL(/\/notifications$/);
    const rows = page.locator('[role="list"][aria-label="Notifications"] [data-testid="notification"]');
    await rows.first().waitFor();
    const all = await listed(token);
    assert.equal(await rows.count(), Math.min(all.length, 25));
    const times = await rows.locator("time").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("datetime")));
    assert.deepEqual([...times].sort().reverse(), times, "newest first");
    assert.deepEqual(await rows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-notification-id"))), all.slice(0, 25).map((row) => row.id));
    const types = new Set(all.map((row) => row.type));
    for (const type of ["position_opened", "leg_filled", "position_closed"]) assert.ok(types.has(type), `${type} is listed`);
    assert.equal(all[0].type, "position_closed");
    assert.deepEqual(await accessibilityProblems(page), []);

    const count = await unread();
    const first = rows.first();
    const id = await first.getAttribute("data-notification-id");
    await first.getByRole("button", { name: /^Mark “.*” read$/ }).click();
    await page.locator(`[data-notification-id="${id}"]:not([data-unread])`).waitFor();
    await bellShows(count - 1);
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot("notifications-page");
  });

  await step("mark all read: the bell shows 0", async () => {
    await page.getByRole("button", { name: /^Mark all read/ }).click();
    await bellShows(0);
    await page.getByTestId("unread-count").waitFor({ state: "hidden" });
    assert.equal(await bell().getAttribute("aria-label"), "Notifications: none unread");
    assert.equal(await page.locator('[data-testid="notification"][data-unread]').count(), 0);
    assert.equal(await unreadCount(token), 0);
    assert.deepEqual(await accessibilityProblems(page), []);
  });

  await step("the settings page sends an in-app test: it says so and the bell counts it", async () => {
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page.waitForURL(/\/notifications\/settings$/);
    await page.getByRole("form", { name: "Notification settings" }).waitFor();
    await page.getByRole("button", { name: "Send a test In-app notification" }).click();
    await page.getByTestId("test-in_app").getByRole("status").getByText("Sent: the bell counts it.").waitFor();
    assert.equal(await unreadAbove(0), 1);
    assert.deepEqual(await accessibilityProblems(page), []);
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot("notifications-settings");
  });

  assert.deepEqual(problems, []);
});
