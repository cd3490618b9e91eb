// Indian rupee display (en-IN grouping: ₹1,23,456.78) and exact sums of decimal strings for the
// totals rows. The API sends decimals as strings; totals are added here digit-exactly (BigInt)
// rather than with floats, so a column of paise adds up to what the rows show.
import { toNumber } from "@/lib/format";

const inr = (currency: string, signed: boolean) =>
  new Intl.NumberFormat("en-IN", {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    signDisplay: signed ? "exceptZero" : "auto",
  });

export function formatInr(value: string | number | null | undefined, currency = "INR"): string {
  const n = toNumber(value);
  return n === null ? "—" : inr(currency || "INR", false).format(n);
}

/** +₹1,234.50 / -₹500.00: for profit and loss. */
export function formatInrSigned(value: string | number | null | undefined, currency = "INR"): string {
  const n = toNumber(value);
  return n === null ? "—" : inr(currency || "INR", true).format(n);
}

/** Share counts and prices without a currency sign, in Indian grouping. */
export function formatIndian(value: string | number | null | undefined, maxFraction = 2): string {
  const n = toNumber(value);
  return n === null ? "—" : n.toLocaleString("en-IN", { maximumFractionDigits: maxFraction });
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** The exact sum of decimal strings ("2400.50" + "-12.05" = "2388.45"); null if one is not a number. */
export function sumDecimals(values: (string | null | undefined)[]): string | null {
  const parsed = values.map((value) => DECIMAL.exec((value ?? "").trim()));
  if (!parsed.length || parsed.some((match) => !match || (!match[2] && !match[3]))) return null;
  const scale = Math.max(...parsed.map((match) => match![3]?.length ?? 0));
  let total = 0n;
  for (const match of parsed) {
    const [, sign, whole = "", fraction = ""] = match!;
    const units = BigInt((whole || "0") + fraction.padEnd(scale, "0"));
    total += sign === "-" ? -units : units;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale ? `.${digits.slice(digits.length - scale)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** The exact product of two decimal strings ("10" x "2400.05" = "24000.50"); null if one is not a number. */
export function multiplyDecimals(a: string | null | undefined, b: string | null | undefined): string | null {
  const left = DECIMAL.exec((a ?? "").trim());
  const right = DECIMAL.exec((b ?? "").trim());
  if (!left || !right || (!left[2] && !left[3]) || (!right[2] && !right[3])) return null;
  const units = (match: RegExpExecArray) => BigInt((match[2] || "0") + (match[3] ?? "")) * (match[1] === "-" ? -1n : 1n);
  const scale = (left[3]?.length ?? 0) + (right[3]?.length ?? 0);
  const product = units(left) * units(right);
  const negative = product < 0n;
  const digits = (negative ? -product : product).toString().padStart(scale + 1, "0");
  const fraction = scale ? `.${digits.slice(digits.length - scale)}` : "";
  return `${negative ? "-" : ""}${digits.slice(0, digits.length - scale)}${fraction}`;
}
