// Decimals travel as strings; these only format them for people (never for arithmetic that
// goes back to the server).

export function toNumber(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

export function formatDecimal(value: string | number | null | undefined, maxFraction = 8): string {
  const n = toNumber(value);
  if (n === null) return "—";
  return n.toLocaleString("en-US", { maximumFractionDigits: maxFraction });
}

export function formatPrice(value: string | number | null | undefined): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const digits = Math.abs(n) >= 1000 ? 2 : Math.abs(n) >= 1 ? 4 : 8;
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** The number as shown with two decimals: anything that rounds to 0.00 is 0 (never "-0.00"). */
function toCents(value: string | number | null | undefined): number | null {
  const n = toNumber(value);
  if (n === null) return null;
  const cents = Math.round(Math.abs(n) * 100) / 100;
  return cents === 0 ? 0 : Math.sign(n) * cents;
}

export function formatMoney(value: string | number | null | undefined, currency = ""): string {
  const n = toCents(value);
  if (n === null) return "—";
  const text = n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${text} ${currency}` : text;
}

export function formatSigned(value: string | number | null | undefined, suffix = ""): string {
  const n = toCents(value);
  if (n === null) return "—";
  const text = n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${n > 0 ? "+" : ""}${text}${suffix}`;
}

/** Gain teal, loss red; zero as shown (0.00) is neutral. */
export function pnlColor(value: string | number | null | undefined): string | undefined {
  const n = toCents(value);
  if (n === null || n === 0) return undefined;
  return n > 0 ? "teal" : "red";
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function timeAgo(value: string | null | undefined, now: number = Date.now()): string {
  if (!value) return "never";
  const then = new Date(value).getTime();
  if (Number.isNaN(then)) return value;
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${rest}s`;
  return `${rest}s`;
}

/** A span as people say it, two largest units: "45 s", "12 m 5 s", "3 h 12 m", "2 d 4 h". */
export function formatSpan(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return "0 s";
  return parts
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(" ");
}

/** BTC/USDT -> BTCUSDT, as symbols are written in paths. */
export function pathSymbol(symbol: string): string {
  return symbol.replace("/", "");
}
