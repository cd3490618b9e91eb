// The address of a list page (positions, deals): filters, sort and page live in the query
// string, so a shared link reopens the same view.
import { useDebouncedValue } from "@mantine/hooks";
import { useSearchParams } from "react-router";

/** The address's parameters (`settled` once typing has paused), the page, and `set` to change
 * one parameter: anything but the page itself starts again from page 1. */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const [debounced] = useDebouncedValue(params.toString(), 250);
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== "page") next.delete("page");
    setParams(next, { replace: true });
  };
  const page = Math.max(1, Number(params.get("page")) || 1);
  return { params, settled: new URLSearchParams(debounced), page, set };
}

/** The named parameters that are set, as the API takes them. */
export function pickParams(params: URLSearchParams, keys: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of keys) {
    const value = params.get(key);
    if (value) picked[key] = value;
  }
  return picked;
}

/** `page` for the API's query, past the first page only. */
export function pageParam(params: URLSearchParams): { page?: string } {
  const page = Number(params.get("page"));
  return Number.isInteger(page) && page > 1 ? { page: String(page) } : {};
}
