import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Anchor, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useNavigate } from "react-router";
import { signalToast } from "@/features/signals/signalView";
import { readAuth, refreshAccess } from "@/auth/tokens";
import { applyEvent } from "./applyEvent";
import { LiveSocket, type ConnectionState, type LiveEvent } from "./socket";

export interface Alert {
  id: string;
  level: "error" | "warning" | "info";
  message: string;
  at: string;
  /** The signal the alert is about, linked from the dashboard. */
  signalId?: string;
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
  const navigate = useNavigate();
  const go = useRef(navigate);
  go.current = navigate;

  useEffect(() => {
    const socket = new LiveSocket({
      token: () => readAuth()?.access ?? null,
      refresh: refreshAccess,
      onState: setState,
      onEvent: (event) => {
        applyEvent(client, event);
        const toast = event.type === "signal.received" ? signalToast(event.data) : null;
        if (toast) {
          // A refused or queued signal: the trader may be on any page, TradingView never shows it.
          const at = event.ts ?? new Date().toISOString();
          setAlerts((current) => [{ id: `${toast.id}:${at}`, level: toast.color === "red" ? "error" : "warning", message: `${toast.title} — ${toast.message}`, at, signalId: toast.signalId } satisfies Alert, ...current].slice(0, 20));
          const href = `/signals/${toast.signalId}`;
          notifications.show({
            id: toast.id,
            color: toast.color,
            title: toast.title,
            autoClose: 10_000,
            message: (
              // Toasts render outside the router: a real link, followed in-app on a plain click.
              <div data-testid="signal-toast" data-signal-id={toast.signalId}>
                <Text size="sm">{toast.message}</Text>
                <Anchor
                  href={href}
                  size="sm"
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                    e.preventDefault();
                    notifications.hide(toast.id);
                    go.current(href);
                  }}
                >
                  See the signal
                </Anchor>
              </div>
            ),
          });
        }
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
