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

export function formatMoney(value: string | number | null | undefined, currency = ""): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${text} ${currency}` : text;
}

export function formatSigned(value: string | number | null | undefined, suffix = ""): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${n > 0 ? "+" : ""}${text}${suffix}`;
}

export function pnlColor(value: string | number | null | undefined): string | undefined {
  const n = toNumber(value);
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

/** BTC/USDT -> BTCUSDT, as symbols are written in paths. */
export function pathSymbol(symbol: string): string {
  return symbol.replace("/", "");
}
