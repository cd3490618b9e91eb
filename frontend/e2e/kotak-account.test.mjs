// An NSE equities trader in a real browser against a real embedded server (`manage.py
// run_embedded`, which also starts the Kotak-Neo-compatible simulator): they register, connect a
// Kotak simulator account with no credentials (the platform provisions one on the simulator),
// open it and see its funds and the two demo holdings the simulator seeds (RELIANCE, INFY). The
// Kotak Neo form asks for the broker's credentials and refuses a bad MPIN next to the field, and
// what was typed into it is found nowhere afterwards. The account page passes axe's WCAG 2 A/AA
// rules and fits a phone.
//
//   node --test e2e/kotak-account.test.mjs        (needs `npm run build` first)
//   E2E_SCREENSHOTS=../docs/images/web-app        where the kotak-*.png go (default: a temporary folder)
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { secretHits, watchConsole } from "./secret-scan.mjs";
import { accessibilityProblems, apiLogin, fullPageShot, launchBrowser, screenshotDir, startServer, stepper } from "./server.mjs";

const shots = screenshotDir();

const stamp = Date.now();
const trader = { email: `nse-${stamp}@example.com`, username: `nse${stamp}`, password: "Browser-test-2024" };
let server;
let browser;
let page;
let consoleLines = [];
const problems = [];
// What the trader types into the Kotak Neo form (refused, so never stored, and never echoed).
const typed = { "consumer secret": "my-consumer-secret-0042", "TOTP secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" };

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: "light" });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  consoleLines = watchConsole(page);
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // 400 is the refused MPIN below, on purpose.
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

async function choose(scope, label, option) {
  await scope.getByRole("textbox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

test("an NSE trader connects a Kotak simulator account and sees its holdings and funds", async (root) => {
  const step = stepper(root, (slug) => shot(`kotak-failed-${slug}`));

  await step("a new trader registers and lands on the accounts page", async () => {
    await page.goto(server.base + "/register");
    await page.getByLabel("E-mail").fill(trader.email);
    await page.getByLabel("Username").fill(trader.username);
    await page.locator('input[autocomplete="new-password"]').fill(trader.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/accounts$/);
  });

  await step("the Kotak Neo form asks for the broker's credentials and refuses a bad MPIN at the field", async () => {
    await page.getByRole("button", { name: "Add account" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("textbox", { name: "Exchange", exact: true }).click();
    // The catalogue is grouped: crypto exchanges first, then NSE equities.
    await page.getByRole("listbox").getByText("NSE equities", { exact: true }).waitFor();
    await page.getByRole("option", { name: "Kotak Neo (NSE) (kotak)", exact: true }).click();
    // Every credential the catalogue names is asked for, the secret ones as password inputs.
    const access = await apiLogin(server, trader.email, trader.password);
    const catalog = await (await fetch(`${server.base}/api/v1/exchanges`, { headers: { Authorization: `Bearer ${access}` } })).json();
    const fields = catalog.find((entry) => entry.id === "kotak_neo").credential_fields;
    assert.deepEqual(fields.map((field) => field.name), ["api_key", "api_secret", "mobile_number", "ucc", "mpin", "totp_secret"]);
    for (const field of fields) {
      const type = await dialog.getByLabel(field.label, { exact: true }).evaluate((input) => input.type);
      assert.equal(type, field.secret ? "password" : "text", field.label);
    }
    await dialog.getByLabel("Consumer key", { exact: true }).fill("my-consumer-key");
    await dialog.getByLabel("Consumer secret (optional)", { exact: true }).fill(typed["consumer secret"]);
    await dialog.getByLabel("Mobile number", { exact: true }).fill("9876543210");
    await dialog.getByLabel("UCC (client code)", { exact: true }).fill("AB123");
    await dialog.getByLabel("MPIN", { exact: true }).fill("12");
    await dialog.getByLabel(/^TOTP secret/).fill(typed["TOTP secret"]);
    await dialog.getByRole("button", { name: "Add account" }).click();
    await dialog.getByRole("alert").getByText("The account was not added").waitFor();
    await dialog.evaluate((element) => [element, ...element.querySelectorAll("*")].forEach((node) => (node.scrollTop = 0)));
    assert.equal(await dialog.getByLabel("MPIN", { exact: true }).getAttribute("aria-invalid"), "true");
    assert.equal(await dialog.getByLabel(/^TOTP secret/).getAttribute("aria-invalid"), "false");
    // Tall enough for the whole form in the picture (the dialog scrolls inside a smaller window).
    await page.setViewportSize({ width: 1366, height: 1400 });
    await page.screenshot({ path: join(shots, "kotak-neo-form.png") });
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });

  await step("connects a Kotak simulator account with no credentials; it is validated", async () => {
    await page.getByRole("button", { name: "Add account" }).click();
    const dialog = page.getByRole("dialog");
    await choose(dialog, "Exchange", "Kotak Neo simulator (NSE) (kotak_simulator)");
    await dialog.getByTestId("keyless-hint").waitFor();
    await shot("kotak-add-account");
    await dialog.getByRole("button", { name: "Add account" }).click();
    await page.getByText("The secret is stored encrypted and is never shown again").waitFor();
    const row = page.locator('[data-account="kotak_simulator:default"]');
    await row.getByTestId("account-validated").waitFor({ timeout: 60_000 });
    assert.match(await row.innerText(), /NSE equities/);
    await shot("kotak-accounts");
  });

  await step("opens the account: funds and the simulator's demo holdings, RELIANCE and INFY", async () => {
    await page.locator('[data-account="kotak_simulator:default"]').getByRole("link", { name: /^Holdings & orders of kotak_simulator/ }).click();
    await page.waitForURL(/\/accounts\/kotak_simulator\/default$/);
    const holdings = page.getByTestId("holdings-table");
    await holdings.locator('[data-symbol="RELIANCE"]').waitFor({ timeout: 30_000 });
    await holdings.locator('[data-symbol="INFY"]').waitFor();
    assert.match(await holdings.locator('[data-symbol="RELIANCE"]').innerText(), /₹/);
    const cash = page.getByTestId("funds-available_cash");
    await cash.waitFor();
    assert.match(await cash.innerText(), /₹\d{1,2}(,\d\d)*,\d{3}\.\d\d/); // en-IN grouping: ₹4,76,000.00
    await page.getByTestId("holdings-total").waitFor();
    await page.getByTestId("positions-section").waitFor();
    await page.getByTestId("orders-section").waitFor();
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot("kotak-account");
  });

  await step("the account page is served at its own address and passes axe's WCAG 2 A/AA rules", async () => {
    await page.reload();
    await page.getByTestId("holdings-table").locator('[data-symbol="RELIANCE"]').waitFor({ timeout: 30_000 });
    await page.getByTestId("funds-cards").waitFor();
    assert.deepEqual(await accessibilityProblems(page), []);
  });

  await step("on a phone the page fits the screen: holdings as a list, the other tables scroll inside their cards", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId("holdings-list").locator('[data-symbol="INFY"]').waitFor();
    await page.getByTestId("holdings-table").waitFor({ state: "hidden" });
    await page.waitForTimeout(300); // the layout settles after the resize
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await shot("kotak-account-phone");
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  await step("nothing the trader typed is left in the server's output, its files or the browser", async () => {
    const hits = await secretHits({ server, page, consoleLines, secrets: { ...typed, password: trader.password }, tokens: [] });
    assert.deepEqual(hits, []);
  });

  assert.deepEqual(problems, []);
});
