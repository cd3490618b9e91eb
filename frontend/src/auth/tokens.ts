// The login of this browser: tokens and user in localStorage, shared by every tab. The refresh
// token rotates (the old one dies at once), so refreshes are serialised across tabs with a Web
// Lock, and a tab that finds the stored token already rotated by another tab simply uses it.
import type { TokenPair, User } from "@/api/types";

const KEY = "tradefleet.auth";

export interface StoredAuth {
  access: string;
  refresh: string;
  user: User;
}

type Listener = (auth: StoredAuth | null) => void;
const listeners = new Set<Listener>();

export function readAuth(): StoredAuth | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as StoredAuth;
    return parsed.access && parsed.refresh && parsed.user ? parsed : null;
  } catch {
    return null;
  }
}

export function writeAuth(auth: StoredAuth | null): void {
  if (auth) localStorage.setItem(KEY, JSON.stringify(auth));
  else localStorage.removeItem(KEY);
  listeners.forEach((listener) => listener(auth));
}

export function onAuthChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab logged in, refreshed or logged out.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) listeners.forEach((listener) => listener(readAuth()));
  });
}

let inFlight: Promise<string | null> | null = null;

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  return locks ? locks.request("tradefleet.refresh", fn) : fn();
}

/**
 * A fresh access token, or null when the session cannot be renewed (logged out, refresh token
 * expired or revoked). `staleAccess` is the token the server refused.
 */
export function refreshAccess(staleAccess: string | null): Promise<string | null> {
  if (inFlight) return inFlight;
  inFlight = withLock(async () => {
    const current = readAuth();
    if (!current) return null;
    if (staleAccess && current.access !== staleAccess) return current.access; // another tab did it
    const response = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh: current.refresh }),
    }).catch(() => null);
    if (response === null) throw new Error("network");
    if (!response.ok) {
      const latest = readAuth();
      // Lost a race with a tab that has no Web Locks: its rotation wins, use it.
      if (latest && latest.refresh !== current.refresh) return latest.access;
      writeAuth(null);
      return null;
    }
    const pair = (await response.json()) as TokenPair;
    writeAuth({ ...current, access: pair.access, refresh: pair.refresh });
    return pair.access;
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}
