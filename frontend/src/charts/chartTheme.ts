// The app's colour scheme for lightweight-charts: every chart takes its background, text and
// grid colours from here, so light and dark mode look the same across pages.
import { useComputedColorScheme } from "@mantine/core";
import { ColorType } from "lightweight-charts";

export function useDarkScheme(): boolean {
  return useComputedColorScheme("light") === "dark";
}

/** Layout and grid options for the light or dark scheme (spread into createChart/applyOptions). */
export function chartTheme(dark: boolean) {
  const grid = dark ? "#2c2e33" : "#eee";
  return {
    layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: dark ? "#c9c9c9" : "#333" },
    grid: { vertLines: { color: grid }, horzLines: { color: grid } },
  } as const;
}
