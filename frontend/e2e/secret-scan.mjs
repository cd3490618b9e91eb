// What the browser test leaves behind, searched for the secrets it handled (the trader's
// password, the webhook secret, the login tokens): the server's output, every file of its state
// directory (the SQLite database and its WAL included), the browser's storage, cookies and
// console. The web app keeps its login in localStorage by design (src/auth/tokens.ts): that one
// key may hold the tokens, and nothing else may.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const AUTH_KEY = "tradefleet.auth";

// Every console line of the page, from the start (call it before the first navigation).
export function watchConsole(page) {
  const lines = [];
  page.on("console", (message) => lines.push(`${message.type()}: ${message.text()}`));
  return lines;
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
  });
}

// Returns "<secret> in <place>" for every hit; [] when nothing leaked.
export async function secretHits({ server, page, consoleLines, secrets, tokens }) {
  const places = [["the server's output", server.output()], ["the console", consoleLines.join("\n")]];
  for (const path of filesUnder(server.varDir)) {
    try {
      places.push([`file ${path}`, readFileSync(path).toString("latin1")]);
    } catch {
      /* removed while we looked (the database's -shm, -journal) */
    }
  }
  const storage = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
  for (const [key, value] of Object.entries(storage.local)) places.push([`localStorage ${key}`, value]);
  for (const [key, value] of Object.entries(storage.session)) places.push([`sessionStorage ${key}`, value]);
  places.push(["cookies", JSON.stringify(await page.context().cookies())]);

  const hits = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const [where, text] of places) {
      const allowed = where === `localStorage ${AUTH_KEY}` && tokens.includes(name);
      if (!allowed && text.includes(secret)) hits.push(`${name} in ${where}`);
    }
  }
  return hits;
}
