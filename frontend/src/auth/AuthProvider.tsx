import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { api, setSessionExpiredHandler } from "@/api/client";
import type { AuthResult, Role, User } from "@/api/types";
import { onAuthChange, readAuth, writeAuth, type StoredAuth } from "./tokens";

interface AuthContextValue {
  user: User | null;
  login: (email: string, password: string) => Promise<User>;
  /** The new user, logged in; null when the login after registering failed: the address already
   *  had an account (the API does not say so: its owner gets an e-mail instead). */
  register: (email: string, username: string, password: string) => Promise<User | null>;
  logout: () => Promise<void>;
  setUser: (user: User) => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

const RANK: Record<Role, number> = { viewer: 0, trader: 1, manager: 2, admin: 3 };
export function hasRole(user: User | null, role: Role): boolean {
  return !!user && RANK[user.role] >= RANK[role];
}

/** Where to send the browser back after a login: the page the session ended on. */
export function loginPathFor(location: { pathname: string; search: string }): string {
  const here = location.pathname + location.search;
  return here && here !== "/" && !here.startsWith("/login") ? `/login?next=${encodeURIComponent(here)}` : "/login";
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [auth, setAuth] = useState<StoredAuth | null>(() => readAuth());
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();

  useEffect(() => onAuthChange(setAuth), []);

  // Expired or revoked session: back to login, remembering the page.
  useEffect(() => {
    setSessionExpiredHandler(() => {
      writeAuth(null);
      client.clear();
      navigate(loginPathFor(window.location), { replace: true, state: { expired: true } });
    });
  }, [navigate, client]);

  // Logged out in another tab.
  useEffect(() => {
    if (!auth && !/^\/(login|register|forgot-password|reset)/.test(location.pathname)) {
      client.clear();
    }
  }, [auth, location.pathname, client]);

  const accept = useCallback((result: AuthResult) => {
    writeAuth({ access: result.access, refresh: result.refresh, user: result.user });
    return result.user;
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({
      user: auth?.user ?? null,
      login: async (email, password) =>
        accept(await api<AuthResult>("auth/login", { method: "POST", body: { email, password }, anonymous: true })),
      register: async (email, username, password) => {
        // The same 202 whether the address was new or taken; a new account logs in right away.
        await api("auth/register", { method: "POST", body: { email, username, password }, anonymous: true });
        try {
          return accept(await api<AuthResult>("auth/login", { method: "POST", body: { email, password }, anonymous: true }));
        } catch {
          return null;
        }
      },
      logout: async () => {
        const current = readAuth();
        if (current) {
          await api("auth/logout", { method: "POST", body: { refresh: current.refresh } }).catch(() => undefined);
        }
        writeAuth(null);
        client.clear();
        navigate("/login", { replace: true });
      },
      setUser: (user) => {
        const current = readAuth();
        if (current) writeAuth({ ...current, user });
      },
    }),
    [auth, accept, client, navigate],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
