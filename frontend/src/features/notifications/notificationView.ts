// How a notification reads on the page, in the bell and in the settings table (pure, tested).
import { CATEGORIES, CATEGORY_LABELS } from "./levels";
import type { CatalogueEntry, Category } from "./types";

/** "leg_filled" -> "Leg filled", for a type the catalogue does not name (a newer server). */
export function humanType(type: string): string {
  const words = type.replace(/[_.]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : "Notification";
}

export function typeLabel(catalogue: CatalogueEntry[] | undefined, type: string): string {
  return catalogue?.find((entry) => entry.type === type)?.label ?? humanType(type);
}

/** The notification's link when it is a path of this app; anything else (an absolute or
 * protocol-relative URL) is not followed from a click in the app. */
export function appPath(link: unknown): string | null {
  return typeof link === "string" && link.startsWith("/") && !link.startsWith("//") ? link : null;
}

export interface CategoryGroup {
  category: Category;
  label: string;
  entries: CatalogueEntry[];
}

/** The catalogue by category, in a fixed order; admin-only types only for admins. */
export function groupCatalogue(catalogue: CatalogueEntry[], isAdmin: boolean): CategoryGroup[] {
  const visible = catalogue.filter((entry) => isAdmin || !entry.admin_only);
  const known = CATEGORIES.map((category) => ({
    category,
    label: CATEGORY_LABELS[category],
    entries: visible.filter((entry) => entry.category === category),
  }));
  const others = visible.filter((entry) => !CATEGORIES.includes(entry.category));
  const groups = others.length ? [...known, { category: "system" as Category, label: "Other", entries: others }] : known;
  return groups.filter((group) => group.entries.length > 0);
}

/** The type filter's choices, grouped as the settings table is. */
export function typeOptions(catalogue: CatalogueEntry[], isAdmin: boolean) {
  return groupCatalogue(catalogue, isAdmin).map((group) => ({
    group: group.label,
    items: group.entries.map((entry) => ({ value: entry.type, label: entry.label })),
  }));
}
