// A fake API for the notifications tests: answers by "METHOD path" (or path), records requests.
import { vi } from "vitest";
import type { Role } from "@/api/types";
import { jsonResponse, USER } from "@/test/render";

export type Answer = (body: unknown, query: URLSearchParams) => Response;
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  query: URLSearchParams;
}

export function serve(answers: Record<string, Answer>, role: Role = "trader"): Recorded[] {
  const requests: Recorded[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(String(input), "http://x");
      const path = url.pathname.replace("/api/v1/", "");
      const method = init?.method ?? "GET";
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      if (path === "auth/me") return jsonResponse({ ...USER, role });
      requests.push({ method, path, body, query: url.searchParams });
      const answer = answers[`${method} ${path}`] ?? answers[path];
      return answer ? answer(body, url.searchParams) : jsonResponse({ detail: "Not found.", code: "not_found", errors: {} }, 404);
    }),
  );
  return requests;
}

export const page = <T>(results: T[], count = results.length) => ({ count, next: count > results.length ? "next" : null, previous: null, results });
