import { Code, createTheme, darken, DEFAULT_THEME, lighten, luminance, Pagination, toRgba, type CSSVariablesResolver } from "@mantine/core";
import classes from "./theme.module.css";

const PAGINATION_CONTROLS: Record<string, string> = { first: "First page", previous: "Previous page", next: "Next page", last: "Last page" };

// System fonts only: nothing is downloaded at run time.
export const theme = createTheme({
  primaryColor: "blue",
  // Shade 8 in the light theme: white on blue-6 (Mantine's default) is 3.6:1, on blue-8 5:1.
  primaryShade: { light: 8, dark: 8 },
  // Filled buttons and badges get black or white text, whichever reads at 4.5:1 on the colour
  // (teal, green, yellow, orange... are too light for white text at any shade).
  autoContrast: true,
  // Mantine's default (0.3) gives white text up to a luminance where it reads at 3:1 only; at
  // 0.179 white and black both reach 4.5:1 on their side of the line.
  luminanceThreshold: 0.179,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
  defaultRadius: "md",
  components: {
    // The arrows of every pager say what they do.
    Pagination: Pagination.extend({
      defaultProps: { getControlProps: (control: string) => ({ "aria-label": PAGINATION_CONTROLS[control] ?? control }) },
    }),
    // Code blocks wrap instead of scrolling sideways: no region a keyboard cannot scroll.
    Code: Code.extend({ classNames: { root: classes.code } }),
  },
});

// WCAG AA asks 4.5:1 for normal text; a little margin for the browser's rounding of blends.
export const MIN_CONTRAST = 4.6;

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** `color` at `opacity` painted over the opaque `background`, as #rrggbb. */
export function paintedOver(color: string, opacity: number, background: string): string {
  const top = toRgba(color);
  const under = toRgba(background);
  const channel = (a: number, b: number) => Math.round(a * opacity + b * (1 - opacity)).toString(16).padStart(2, "0");
  return `#${channel(top.r, under.r)}${channel(top.g, under.g)}${channel(top.b, under.b)}`;
}

/** `color`, made darker (light theme) or lighter (dark theme) in small steps until it reads at
 * MIN_CONTRAST on every one of `backgrounds`: the closest readable colour to the designed one. */
export function readable(color: string, backgrounds: string[], scheme: "light" | "dark"): string {
  let candidate = color;
  for (let step = 1; step <= 20 && backgrounds.some((bg) => contrast(candidate, bg) < MIN_CONTRAST); step += 1) {
    candidate = scheme === "light" ? darken(color, step * 0.05) : lighten(color, step * 0.05);
  }
  return candidate;
}

const { colors, white } = DEFAULT_THEME;
// The surfaces text sits on: the page, cards, table stripes and hovered rows.
const LIGHT_SURFACES = [white, colors.gray[0], colors.gray[1]];
const DARK_SURFACES = [colors.dark[7], colors.dark[6], colors.dark[5]];

/** Mantine's text colours (dimmed, placeholders, error, links, `c="teal"`, light and outline variants) made
 * readable in both themes; the hues stay, only too-faint shades get darker or lighter. */
export const cssVariablesResolver: CSSVariablesResolver = () => {
  const light: Record<string, string> = {
    "--mantine-color-dimmed": readable(colors.gray[6], LIGHT_SURFACES, "light"),
    "--mantine-color-placeholder": readable(colors.gray[5], LIGHT_SURFACES, "light"),
    "--mantine-color-error": readable(colors.red[6], LIGHT_SURFACES, "light"),
    "--mantine-color-anchor": readable(colors.blue[8], [...LIGHT_SURFACES, paintedOver(colors.blue[8], 0.1, white)], "light"),
  };
  const dark: Record<string, string> = {
    "--mantine-color-dimmed": readable(colors.dark[2], DARK_SURFACES, "dark"),
    "--mantine-color-placeholder": readable(colors.dark[3], DARK_SURFACES, "dark"),
    "--mantine-color-error": readable(colors.red[6], DARK_SURFACES, "dark"),
    "--mantine-color-anchor": readable(colors.blue[4], DARK_SURFACES, "dark"),
  };
  for (const [name, shades] of Object.entries(colors)) {
    // The same variables Mantine defines (get-css-color-variables), on their worst background.
    const lightTint = paintedOver(shades[8], 0.12, white);
    const lightText = readable(shades[8], [...LIGHT_SURFACES, lightTint], "light");
    light[`--mantine-color-${name}-text`] = lightText;
    light[`--mantine-color-${name}-light-color`] = lightText;
    light[`--mantine-color-${name}-outline`] = lightText;
    const darkTint = paintedOver(shades[6], 0.2, colors.dark[6]);
    dark[`--mantine-color-${name}-text`] = readable(shades[4], DARK_SURFACES, "dark");
    dark[`--mantine-color-${name}-light-color`] = readable(shades[3], [...DARK_SURFACES, darkTint], "dark");
    dark[`--mantine-color-${name}-outline`] = readable(shades[4], DARK_SURFACES, "dark");
  }
  return { variables: {}, light, dark };
};
