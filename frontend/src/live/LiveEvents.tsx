import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { readAuth, refreshAccess } from "@/auth/tokens";
import { applyEvent } from "./applyEvent";
import { LiveSocket, type ConnectionState, type LiveEvent } from "./socket";

export interface Alert {
  id: string;
  level: "error" | "warning" | "info";
  message: string;
  at: string;
}

interface LiveContextValue {
  state: ConnectionState;
  alerts: Alert[];
  dismissAlert: (id: string) => void;
}

const LiveContext = createContext<LiveContextValue>({ state: "offline", alerts: [], dismissAlert: () => {} });

export function useLiveState(): LiveContextValue {
  return useContext(LiveContext);
}

function alertFrom(event: LiveEvent): Alert | null {
  const data = event.data;
  const at = event.ts ?? new Date().toISOString();
  const id = `${event.type}:${String(data.id ?? at)}:${Math.random().toString(36).slice(2, 7)}`;
  if (event.type === "log.created") {
    const level = String(data.level ?? "").toUpperCase();
    if (level === "ERROR" || level === "CRITICAL") return { id, level: "error", message: String(data.message ?? ""), at };
    return null;
  }
  if (event.type === "risk.action") return { id, level: "warning", message: String(data.message ?? data.action ?? "Risk engine acted"), at };
  if (event.type === "notification.created") {
    return { id, level: "info", message: String(data.title ?? data.message ?? "Notification"), at };
  }
  return null;
}

/** The tab's one live-events connection; mounted once inside the logged-in shell. */
export function LiveEventsProvider({ children, onSessionEnded }: { children: ReactNode; onSessionEnded: () => void }) {
  const client = useQueryClient();
  const [state, setState] = useState<ConnectionState>("connecting");
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const ended = useRef(onSessionEnded);
  ended.current = onSessionEnded;

  useEffect(() => {
    const socket = new LiveSocket({
      token: () => readAuth()?.access ?? null,
      refresh: refreshAccess,
      onState: setState,
      onEvent: (event) => {
        applyEvent(client, event);
        const alert = alertFrom(event);
        if (alert) {
          setAlerts((current) => [alert, ...current].slice(0, 20));
          if (alert.level !== "info" || event.type === "notification.created") {
            notifications.show({ color: alert.level === "error" ? "red" : alert.level === "warning" ? "yellow" : "blue", message: alert.message });
          }
        }
      },
      // Whatever happened while the socket was down is fetched again.
      onReconnected: () => void client.invalidateQueries(),
      onSessionEnded: () => ended.current(),
    });
    socket.start();
    const nudge = () => socket.nudge();
    const visible = () => document.visibilityState === "visible" && socket.nudge();
    window.addEventListener("online", nudge);
    document.addEventListener("visibilitychange", visible);
    return () => {
      window.removeEventListener("online", nudge);
      document.removeEventListener("visibilitychange", visible);
      socket.stop();
    };
  }, [client]);

  const value = useMemo(
    () => ({ state, alerts, dismissAlert: (id: string) => setAlerts((current) => current.filter((a) => a.id !== id)) }),
    [state, alerts],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
