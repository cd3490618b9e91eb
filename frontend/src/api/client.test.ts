import { afterEach, describe, expect, it, vi } from "vitest";
import { readAuth, writeAuth } from "@/auth/tokens";
import { jsonResponse, USER } from "@/test/render";
import { api, ApiError, flattenErrors, setSessionExpiredHandler } from "./client";

afterEach(() => vi.unstubAllGlobals());

describe("the API client", () => {
  it("sends the access token, refreshes it once on 401 and retries with the new one", async () => {
    writeAuth({ access: "old", refresh: "r1", user: USER });
    const calls: { url: string; auth: string | null }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        const auth = (init.headers as Record<string, string>).Authorization ?? null;
        calls.push({ url, auth });
        if (url === "/api/v1/auth/refresh") return jsonResponse({ access: "new", refresh: "r2" });
        return auth === "Bearer new" ? jsonResponse({ ok: true }) : jsonResponse({ detail: "expired", code: "token_not_valid" }, 401);
      }),
    );
    await expect(api("positions")).resolves.toEqual({ ok: true });
    expect(calls.map((c) => [c.url, c.auth])).toEqual([
      ["/api/v1/positions", "Bearer old"],
      ["/api/v1/auth/refresh", null],
      ["/api/v1/positions", "Bearer new"],
    ]);
    expect(readAuth()?.refresh).toBe("r2");
  });

  it("ends the session when the refresh token is refused", async () => {
    writeAuth({ access: "old", refresh: "dead", user: USER });
    const expired = vi.fn();
    setSessionExpiredHandler(expired);
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ detail: "Token is blacklisted" }, 401)));
    await expect(api("positions")).rejects.toBeInstanceOf(ApiError);
    expect(expired).toHaveBeenCalled();
    expect(readAuth()).toBeNull();
  });

  it("turns the error body into field errors, nested ones by path", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ detail: "Invalid input.", code: "invalid", errors: { levels: { "0": { tp_percent: ["A valid number is required."] } } } }, 400)));
    const error = (await api("dca-configs/preview", { method: "POST", body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(400);
    expect(error.fieldErrors).toEqual({ "levels.0.tp_percent": ["A valid number is required."] });
    expect(flattenErrors({ levels: ["weights sum to 90"], items: [{ a: ["x"] }] })).toEqual({ levels: ["weights sum to 90"], "items.0.a": ["x"] });
  });
});
