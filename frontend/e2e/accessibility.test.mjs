// Accessibility of every page of the web app in a real browser against a real embedded server:
// axe-core (WCAG 2 A and AA, plus the best-practice rules about headings and landmarks) over the
// whole document of each route, in the light and the dark theme, logged out, as the demo trader
// and as the demo admin. Any serious or critical violation fails, printed with the rule, the node
// and the page. Each page also has its own window title and exactly one h1, and the skip link
// moves the keyboard focus to the page's content.
//
//   node --test --test-reporter=spec e2e/accessibility.test.mjs      (needs `npm run build` first)
//   A11Y_REPORT=/tmp/axe.json     also writes every page's findings there, as JSON
//   A11Y_SHOTS=/some/dir          and a screenshot of each page that fails there
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { axeViolations, describeViolations, isSevere, launchBrowser, startServer } from "./server.mjs";

const THEMES = ["light", "dark"];
const THEME_KEY = "tradefleet.theme"; // src/App.tsx's colour-scheme manager
// Reported, and failed on when serious: headings and landmarks beyond what WCAG's tags cover.
const BEST_PRACTICE = ["page-has-heading-one", "heading-order", "landmark-one-main", "landmark-unique", "region", "skip-link", "empty-heading"];

let server;
let browser;
const pageErrors = [];
const results = []; // { who, theme, path, title, h1s, severe: string[], other: string[] }

before(async () => {
  // Each page load asks the API for its data: 60 pages a minute go past the default 100 requests/min.
  server = await startServer({ env: { THROTTLE_USER: "3000/min", THROTTLE_IP: "6000/min" } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (process.env.A11Y_REPORT) writeFileSync(process.env.A11Y_REPORT, JSON.stringify(results, null, 1));
  if (results.length) {
    console.log("\naxe per page (serious+critical / other violations):");
    for (const row of results) console.log(`  ${row.who.padEnd(7)} ${row.theme.padEnd(5)} ${row.path.padEnd(42)} ${String(row.severe.length).padStart(3)} / ${row.other.length}  ${row.title}`);
  }
});

async function newPage(theme) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: theme });
  await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [THEME_KEY, theme]);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

async function logIn(page, email, password) {
  await page.goto(server.base + "/login");
  await page.getByLabel("E-mail").fill(email);
  await page.locator('input[type="password"]').fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

// Loaded: the route's code is in (main is not busy) and its data too (no loader in main); a
// page that keeps a loader is measured as it is after 10 s.
async function settle(page) {
  await page.waitForFunction(() => document.querySelector("h1, h2") && !document.querySelector('[aria-busy="true"]'), null, { timeout: 15_000 }).catch(() => undefined);
  await page.waitForFunction(() => !document.querySelector("main .mantine-Loader-root"), null, { timeout: 10_000 }).catch(() => undefined);
  await page.waitForTimeout(400); // transitions (fades of tabs, tooltips) end
}

async function audit(page, who, theme, path) {
  await page.goto(server.base + path);
  await settle(page);
  const scheme = await page.evaluate(() => document.documentElement.getAttribute("data-mantine-color-scheme"));
  assert.equal(scheme, theme, `${path} is shown in the ${theme} theme`);
  const violations = await axeViolations(page, "html", { rules: BEST_PRACTICE });
  const row = {
    who,
    theme,
    path,
    title: await page.title(),
    h1s: await page.locator("h1").count(),
    severe: describeViolations(violations.filter(isSevere)),
    other: describeViolations(violations.filter((violation) => !isSevere(violation))),
  };
  results.push(row);
  if (process.env.A11Y_SHOTS && (row.severe.length || row.h1s !== 1)) {
    await page.screenshot({ path: join(process.env.A11Y_SHOTS, `${who}-${theme}-${path.replace(/\W+/g, "_")}.png`), fullPage: true });
  }
  return row;
}

// Every route of src/routes.tsx, with ids of real rows where the page needs one.
async function traderRoutes(page) {
  const routes = ["/", "/positions", "/deals", "/signals", "/queue", "/risk", "/service", "/strategy", "/strategy/scanner", "/strategy/holdings", "/strategy/import", "/accounts", "/accounts/kotak_simulator/default", "/dca", "/dca/new", "/trading-config", "/webhook", "/logs", "/notifications", "/notifications/settings", "/profile", "/strategy/no-such-page"];
  // A test alert from the webhook page opens a position (and records a signal).
  await page.goto(server.base + "/webhook");
  await page
    .getByRole("button", { name: "Test: an opening order" })
    .click({ timeout: 15_000 })
    .then(() => page.getByTestId("test-strategy-result").getByText(/^Accepted: /).waitFor({ timeout: 30_000 }))
    .catch(() => undefined);
  await page.goto(server.base + "/positions");
  const position = await page.locator('main a[href^="/positions/"]').first().getAttribute("href", { timeout: 10_000 }).catch(() => null);
  if (position) routes.push(position);
  await page.goto(server.base + "/signals");
  const signal = await page.locator('main a[href^="/signals/"]').first().getAttribute("href", { timeout: 10_000 }).catch(() => null);
  if (signal) routes.push(signal);
  await page.goto(server.base + "/dca");
  const dca = await page.locator('main a[href^="/dca/"]:not([href="/dca/new"])').first().getAttribute("href", { timeout: 10_000 }).catch(() => null);
  if (dca) routes.push(dca);
  return routes;
}

const LOGGED_OUT = ["/login", "/register", "/forgot-password", "/reset"];
const ADMIN = ["/manage/users", "/manage/audit", "/manage/health", "/manage/performance", "/manage/backups", "/manage/logs", "/manage/ml"];

test("every page passes axe in both themes, has its own title and one h1", async (root) => {
  const traderPassword = /trader@tradefleet\.local\s+password: (\S+)/.exec(server.output())?.[1];
  assert.ok(traderPassword, "the embedded server prints the demo trader's password");
  // The demo trader's Kotak simulator account, so the equity account page has one to show.
  const login = await fetch(`${server.base}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: "trader@tradefleet.local", password: traderPassword }) });
  const { access } = await login.json();
  await fetch(`${server.base}/api/v1/keys/kotak_simulator`, { method: "POST", headers: { Authorization: `Bearer ${access}`, "Content-Type": "application/json" }, body: JSON.stringify({ mode: "testnet", label: "default" }) });

  let routes; // found once, with the rows the first pass creates
  for (const theme of THEMES) {
    await root.test(`${theme} theme`, async (t) => {
      const page = await newPage(theme);
      for (const path of LOGGED_OUT) await t.test(`logged out ${path}`, () => audit(page, "nobody", theme, path));
      await logIn(page, "trader@tradefleet.local", traderPassword);
      routes ??= await traderRoutes(page);
      for (const path of routes) await t.test(`trader ${path}`, () => audit(page, "trader", theme, path));
      await page.context().close();

      const admin = await newPage(theme);
      await logIn(admin, "admin@tradefleet.local", server.adminPassword);
      for (const path of ADMIN) await t.test(`admin ${path}`, () => audit(admin, "admin", theme, path));
      await admin.context().close();
    });
  }

  await root.test("no serious or critical axe violation on any page", () => {
    const severe = results.flatMap((row) => row.severe.map((line) => `${row.theme} ${row.path}: ${line}`));
    assert.deepEqual(severe, []);
  });

  await root.test("each page has its own window title and exactly one h1", () => {
    const light = results.filter((row) => row.theme === "light");
    assert.deepEqual(light.filter((row) => row.h1s !== 1).map((row) => `${row.path}: ${row.h1s} h1`), []);
    assert.deepEqual(light.filter((row) => !/ · Tradefleet$/.test(row.title)).map((row) => `${row.path}: "${row.title}"`), []);
    const byTitle = new Map();
    for (const row of light) byTitle.set(row.title, [...(byTitle.get(row.title) ?? []), row.path]);
    // A detail page may share its title with its siblings (every position is "Position"), never with another route.
    const shared = [...byTitle].filter(([, paths]) => new Set(paths.map((path) => path.replace(/\/[0-9a-f-]{36}$|\/\d+$/, "/:id"))).size > 1);
    assert.deepEqual(shared, []);
  });

  await root.test("the skip link is the first stop of the keyboard and moves the focus to the content", async () => {
    const page = await newPage("light");
    await logIn(page, "trader@tradefleet.local", traderPassword);
    await page.goto(server.base + "/positions");
    await settle(page);
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    assert.equal(await skip.evaluate((node) => node === document.activeElement), true, "the skip link has the focus");
    const box = await skip.boundingBox();
    assert.ok(box && box.width > 0 && box.y >= 0 && box.y < 900, "the focused skip link is on screen");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => Boolean(document.activeElement?.closest("main"))), true, "the next Tab stays in the content");
    await page.context().close();
  });

  assert.deepEqual(pageErrors, []);
});
