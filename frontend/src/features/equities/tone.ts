import { toNumber } from "@/lib/format";
import classes from "./contrast.module.css";

export { classes as contrast };

/** "gain", "loss" or undefined for zero and unknown: the colour class and a data attribute for tests. */
export function toneOf(value: string | number | null | undefined): "gain" | "loss" | undefined {
  const n = toNumber(value);
  if (n === null || n === 0) return undefined;
  return n > 0 ? "gain" : "loss";
}

/** Props for a figure coloured by its sign: green for a gain, red for a loss, plain for zero. */
export function toneProps(value: string | number | null | undefined): { className: string | undefined; "data-tone": string | undefined } {
  const tone = toneOf(value);
  return { className: tone ? classes[tone] : undefined, "data-tone": tone };
}
