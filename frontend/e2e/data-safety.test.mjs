// Data safety in a real browser against a real embedded server (make run's one process):
// the admin backs the platform up from Admin → Backups and watches it run, be verified and
// become downloadable; the demo trader exports their data from "Your data" and downloads it
// through the link, then deletes their account, lands on the login page told so, and can no
// longer log in.
//
//   node --test e2e/data-safety.test.mjs           (needs `npm run build` first)
//   E2E_SCREENSHOTS=/tmp/shots                      where the screenshots go (default: a temporary folder)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { apiLogin, fullPageShot, launchBrowser, screenshotDir, startServer, stepper } from "./server.mjs";

const shots = screenshotDir();

let server;
let browser;
let page;
const problems = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "light", acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // 400/401: the refused login after the deletion, on purpose.
    if (message.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401)/.test(message.text())) {
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
  await page.waitForFunction(() => !document.querySelector(".mantine-Notification-root"), null, { timeout: 15_000 }).catch(() => undefined);
  await fullPageShot(page, join(shots, `${name}.png`));
}

async function logIn(email, password) {
  await page.goto(server.base + "/login");
  await page.getByLabel("E-mail").fill(email);
  await page.locator('input[type="password"]').fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

async function logOut() {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Log out" }).click();
  await page.waitForURL(/\/login/);
}

test("an admin backs up from the web app; a trader exports their data and deletes their account", async (root) => {
  const step = stepper(root, (slug) => shot(`data-safety-failed-${slug}`));
  const traderPassword = /trader@tradefleet\.local\s+password: (\S+)/.exec(server.output())?.[1];
  assert.ok(traderPassword, "the embedded server prints the demo trader's password");

  await step("the admin backs up now: progress, then succeeded, verified and downloadable", async () => {
    await logIn("admin@tradefleet.local", server.adminPassword);
    await page.waitForURL((url) => !url.pathname.startsWith("/login"));
    await page.goto(server.base + "/manage/backups");
    await page.getByRole("heading", { level: 2, name: "Back up now" }).waitFor();
    assert.match(await page.getByTestId("next-run").innerText(), /Next scheduled run/);
    await page.getByRole("button", { name: "Back up now" }).click();
    const row = page.locator("tr[data-backup]").first();
    await row.waitFor();
    // The archive is written, then a test restore into a scratch database verifies it.
    await page.waitForFunction(() => /Succeeded/i.test(document.querySelector("tr[data-backup]")?.textContent ?? ""), null, { timeout: 120_000 });
    await page.waitForFunction(() => /Passed/i.test(document.querySelector("tr[data-backup]")?.textContent ?? ""), null, { timeout: 120_000 });
    assert.equal(await page.getByTestId("backup-error").count(), 0);
    const admin = await apiLogin(server, "admin@tradefleet.local", server.adminPassword);
    const list = await (await fetch(`${server.base}/api/v1/admin/backups`, { headers: { Authorization: `Bearer ${admin}` } })).json();
    const newest = (list.results ?? list)[0];
    assert.equal(newest.status, "succeeded");
    assert.equal(newest.verify_status, "passed");
    const download = page.waitForEvent("download");
    await row.getByRole("button", { name: /^Download the backup of/ }).click();
    const file = await download;
    assert.match(file.suggestedFilename(), /\.tar/);
    await shot("admin-backups");
    await logOut();
  });

  await step("the trader exports their data as JSON from Your data and downloads it through the link", async () => {
    await logIn("trader@tradefleet.local", traderPassword);
    await page.waitForURL((url) => !url.pathname.startsWith("/login"));
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Export my data" }).click();
    await page.waitForURL(/\/profile/);
    await page.getByRole("heading", { level: 1, name: "Your data" }).waitFor();
    await page.getByRole("button", { name: "Export my data" }).click();
    await page.getByRole("button", { name: "Start the export" }).click();
    const link = page.getByRole("link", { name: /^Download JSON/ });
    await link.waitFor({ timeout: 60_000 });
    const href = await link.getAttribute("href");
    // A plain link: it works without the app's login header, for 24 hours.
    const response = await fetch(new URL(href, server.base));
    assert.equal(response.status, 200);
    const document = await response.json();
    assert.equal(document.user.email, "trader@tradefleet.local");
    assert.ok(Object.keys(document.tables).length > 10, `tables: ${Object.keys(document.tables).join(", ")}`);
    assert.ok(document.tables["brokers.ExchangeConfig"]?.length >= 1, "the trader's exchange account is in the export");
    assert.ok(!JSON.stringify(document).includes(traderPassword), "no password in the export");
    await shot("profile-export");
  });

  await step("the trader deletes their account, lands on the login page told so, and cannot log in again", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Delete my account" }).click();
    await page.getByLabel("Leave them: keep the coins or shares in my exchange account").check();
    await page.getByLabel("Your password").fill(traderPassword);
    const confirmation = await page.getByLabel(/^Type .+ to confirm/).evaluate((input) => input.labels?.[0]?.textContent ?? "");
    const word = /^Type (.+) to confirm/.exec(confirmation.replace(/\s*\*$/, ""))?.[1];
    assert.ok(word, `the confirmation label: ${confirmation}`);
    await page.getByLabel(/^Type .+ to confirm/).fill(word);
    await shot("profile-delete");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(/\/login/);
    await page.getByText("Your account is deleted.").waitFor();
    assert.match(await page.locator(".mantine-Notification-root").innerText(), /erased on .+You can no longer log in/s);
    await logIn("trader@tradefleet.local", traderPassword);
    await page.getByRole("alert").filter({ hasText: /e-mail or password/i }).waitFor();
    assert.match(page.url(), /\/login/);
  });

  await step("no page error, console error or failed request along the way", async () => {
    assert.deepEqual(problems, []);
  });
});
