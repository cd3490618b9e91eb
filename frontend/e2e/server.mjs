// A real Tradefleet for the browser test: `manage.py run_embedded` (HTTP, WebSocket, worker,
// beat and the exchange simulator in one process) on free ports, with its own state directory,
// serving the built web app. Nothing of the developer's environment (DATABASE_URL, REDIS_URL...)
// reaches it, so it is a first start on SQLite every time.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, "../..");
const PYTHON = process.env.PYTHON ?? join(REPO, ".venv/bin/python");
const AXE_SOURCE = createRequire(import.meta.url)("axe-core").source;

const NOT_FOR_THE_SERVER = [
  "DATABASE_URL", "REDIS_URL", "CACHE_URL", "CHANNEL_LAYER_URL", "CELERY_BROKER_URL", "SECRET_KEY",
  "ENCRYPTION_KEYS", "EMAIL_URL", "DJANGO_SETTINGS_MODULE", "PORT", "SIMULATOR_URL",
  "SIMULATOR_CONTROL_TOKEN", "SIMULATOR_EMBEDDED", "PUBLIC_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
  "KOTAK_SIMULATOR_URL", "KOTAK_SIMULATOR_CONTROL_TOKEN", "KOTAK_SIMULATOR_PUBLIC_KEY",
];

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Debian's chromium (CHROMIUM overrides the path), headless, with nothing reaching the network. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** Where a test's screenshots go: E2E_SCREENSHOTS, or a new temporary folder. */
export function screenshotDir() {
  const dir = process.env.E2E_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "tradefleet-screenshots-"));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** `env`: extra settings for the server, e.g. higher API rate limits for a test that walks
 * through every page faster than a person would. */
export async function startServer({ env: extra = {} } = {}) {
  const varDir = mkdtempSync(join(tmpdir(), "tf-e2e-"));
  const port = await freePort();
  const simulatorPort = await freePort();
  const kotakSimulatorPort = await freePort();
  const env = { ...process.env };
  for (const key of NOT_FOR_THE_SERVER) delete env[key];
  Object.assign(env, {
    TRADEFLEET_VAR_DIR: varDir,
    SIMULATOR_URL: `http://127.0.0.1:${simulatorPort}`,
    KOTAK_SIMULATOR_URL: `http://127.0.0.1:${kotakSimulatorPort}`,
    PYTHONUNBUFFERED: "1",
    LOG_LEVEL: "WARNING",
    // The monitors tick every second so fills and take-profits show up quickly.
    TRADING_FILL_MONITOR_SECONDS: "1",
    TRADING_TP_MONITOR_SECONDS: "1",
    // Each tick reads the simulator's price afresh, so a price move shows at the next tick.
    TICKER_CACHE_SECONDS: "0.1",
    // An open position's page is priced ten times a second between the ticks (default 0.5 s).
    TRADING_LIVE_MARK_SECONDS: "0.1",
    ...extra,
  });
  const migrate = spawnSync(PYTHON, ["manage.py", "migrate", "--noinput", "-v0"], { cwd: REPO, env, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`migrate failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const child = spawn(PYTHON, ["manage.py", "run_embedded", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: REPO,
    env,
    detached: true, // its own process group, so every thread and child goes with it
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  const server = {
    base,
    simulator: `http://127.0.0.1:${simulatorPort}`,
    kotakSimulator: `http://127.0.0.1:${kotakSimulatorPort}`,
    varDir,
    output: () => output,
    adminPassword: null,
    async stop() {
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          /* gone already */
        }
        const deadline = Date.now() + 15_000;
        while (child.exitCode === null && Date.now() < deadline) await sleep(100);
        if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
      }
      rmSync(varDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${base}/api/v1/health`).then((r) => r.ok, () => false);
    const logins = /admin@tradefleet\.local\s+password: (\S+)/.exec(output);
    if (ready && logins) {
      server.adminPassword = logins[1];
      return server;
    }
    await sleep(250);
  }
  await server.stop();
  throw new Error(`the server did not start within 120 s:\n${output}`);
}

export async function apiLogin(server, email, password) {
  const response = await fetch(`${server.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`login ${email}: ${response.status} ${await response.text()}`);
  return (await response.json()).access;
}

// A screenshot of the whole page (up to 6,000 px tall), the viewport put back afterwards.
export async function fullPageShot(page, path) {
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight).catch(() => viewport.height);
  if (height > viewport.height) await page.setViewportSize({ width: viewport.width, height: Math.min(height, 6000) });
  await page.screenshot({ path });
  if (height > viewport.height) await page.setViewportSize(viewport);
}

const SEVERE = new Set(["serious", "critical"]);

/** axe-core's violations on `context` (a selector, or "html" for the whole document) under the
 * given rule tags, plus any rules named in `rules` (e.g. best-practice ones about headings). */
export async function axeViolations(page, context = "main", { tags = ["wcag2a", "wcag2aa"], rules = [] } = {}) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(
    async ({ context, tags, rules }) => {
      const withTags = await window.axe.run(context, { runOnly: { type: "tag", values: tags } });
      if (!rules.length) return withTags.violations;
      const named = await window.axe.run(context, { runOnly: { type: "rule", values: rules } });
      const seen = new Set(withTags.violations.map((violation) => violation.id));
      return [...withTags.violations, ...named.violations.filter((violation) => !seen.has(violation.id))];
    },
    { context, tags, rules },
  );
}

/** One line per node: the rule, its impact, where, and what is wrong. */
export function describeViolations(violations) {
  return violations.flatMap((violation) =>
    violation.nodes.map((node) => `${violation.id} [${violation.impact}]: ${node.target.join(" ")}: ${node.failureSummary.replace(/\s+/g, " ")}`),
  );
}

export const isSevere = (violation) => SEVERE.has(violation.impact);

/** axe-core's WCAG 2 A and AA rules on the page's content (the app's shell around it is not the
 * feature's); the serious and critical findings, one line each, so an empty list passes. */
export async function accessibilityProblems(page, selector = "main") {
  const violations = await axeViolations(page, selector);
  return violations
    .filter(isSevere)
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => `${node.target.join(" ")}: ${node.failureSummary}`).join(", ")})`);
}

// The steps of one test, each a subtest that needs the ones before it: after a failure the rest
// are skipped, not timed out. onFailure(slug) takes the failing step's screenshot, slug being the
// step's name made fit for a file name; its own failure does not hide the step's.
export function stepper(root, onFailure) {
  let failed = false;
  return (name, fn) =>
    root.test(name, { skip: failed && "an earlier step failed" }, async () => {
      try {
        await fn();
      } catch (error) {
        failed = true;
        try {
          await onFailure(name.slice(0, 40).replace(/\W+/g, "-"));
        } catch {
          /* the step's own error is the one to report */
        }
        throw error;
      }
    });
}

// What TradingView does when an alert fires: each {{placeholder}} in the pasted message is
// replaced by text, and the result is posted as text/plain to the webhook URL.
export async function tradingView(server, url, message, { action, orderId, timenow = new Date() }) {
  const ticker = await (await fetch(`${server.simulator}/api/v3/ticker/price?symbol=BTCUSDT`)).json();
  const buy = action === "buy";
  const values = {
    "{{timenow}}": timenow.toISOString().replace(/\.\d+Z$/, "Z"),
    "{{ticker}}": "BTCUSDT",
    "{{interval}}": "60",
    "{{strategy.order.action}}": action,
    "{{strategy.market_position}}": buy ? "long" : "flat",
    "{{strategy.market_position_size}}": buy ? "0.01" : "0",
    "{{strategy.prev_market_position}}": buy ? "flat" : "long",
    "{{strategy.prev_market_position_size}}": buy ? "0" : "0.01",
    "{{strategy.order.price}}": ticker.price,
    "{{close}}": ticker.price,
    "{{strategy.order.contracts}}": "0.01",
    "{{strategy.order.id}}": orderId,
    "{{strategy.order.comment}}": "",
  };
  const body = message.replace(/\{\{[^{}]*\}\}/g, (placeholder) => values[placeholder] ?? placeholder);
  return fetch(url, { method: "POST", headers: { "Content-Type": "text/plain" }, body });
}
