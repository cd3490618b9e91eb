import { createContext, useCallback, useContext, useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Anchor, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useNavigate } from "react-router";
import { notificationToast } from "@/features/notifications/notificationToast";
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
  /** `watcher` (one per mounted component) shows these open positions: the server sends their
   * marks between the take-profit ticks. An empty list withdraws them. */
  watchPositions: (watcher: string, ids: string[]) => void;
}

const LiveContext = createContext<LiveContextValue>({ state: "offline", alerts: [], dismissAlert: () => {}, watchPositions: () => {} });

export function useLiveState(): LiveContextValue {
  return useContext(LiveContext);
}

/** Live marks for the open positions a component shows, while it is mounted. */
export function useWatchPositions(ids: string[]): void {
  const { watchPositions } = useContext(LiveContext);
  const watcher = useId();
  const key = ids.join(",");
  useEffect(() => {
    watchPositions(watcher, key ? key.split(",") : []);
  }, [watchPositions, watcher, key]);
  useEffect(() => () => watchPositions(watcher, []), [watchPositions, watcher]);
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
  return null;
}

interface LinkedToast {
  id: string;
  color: string;
  title: string;
  message: string;
  href: string | null;
  linkLabel: string;
  autoClose: number | false;
  /** The toast body's data-testid and data-* attributes, for the tests. */
  testId: string;
  attributes?: Record<string, string>;
}

/** A toast that may link into the app: signals refused or queued, notifications of warning and up. */
function showLinkedToast(toast: LinkedToast, navigate: (href: string) => void): void {
  const href = toast.href;
  notifications.show({
    id: toast.id,
    color: toast.color,
    title: toast.title,
    autoClose: toast.autoClose,
    message: (
      // Toasts render outside the router: a real link, followed in-app on a plain click. Their
      // text and link are darker than Mantine's toast defaults (gray-6, blue-6), for AA contrast.
      <div data-testid={toast.testId} {...toast.attributes}>
        {toast.message && (
          <Text size="sm" c="var(--mantine-color-text)">
            {toast.message}
          </Text>
        )}
        {href && (
          <Anchor
            href={href}
            size="sm"
            c="light-dark(var(--mantine-color-blue-9), var(--mantine-color-blue-3))"
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
              e.preventDefault();
              notifications.hide(toast.id);
              navigate(href);
            }}
          >
            {toast.linkLabel}
          </Anchor>
        )}
      </div>
    ),
  });
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
  const socketRef = useRef<LiveSocket | null>(null);
  const watchers = useRef(new Map<string, string[]>());
  const watchPositions = useCallback((watcher: string, ids: string[]) => {
    if (ids.length) watchers.current.set(watcher, ids);
    else watchers.current.delete(watcher);
    const all = [...new Set([...watchers.current.values()].flat())].sort();
    socketRef.current?.watch("positions", all);
  }, []);

  useEffect(() => {
    const socket = new LiveSocket({
      token: () => readAuth()?.access ?? null,
      refresh: refreshAccess,
      onState: setState,
      onEvent: (event) => {
        applyEvent(client, event);
        const at = event.ts ?? new Date().toISOString();
        const signal = event.type === "signal.received" ? signalToast(event.data) : null;
        if (signal) {
          // A refused or queued signal: the trader may be on any page, TradingView never shows it.
          setAlerts((current) => [{ id: `${signal.id}:${at}`, level: signal.color === "red" ? "error" : "warning", message: `${signal.title} — ${signal.message}`, at, signalId: signal.signalId } satisfies Alert, ...current].slice(0, 20));
          showLinkedToast(
            { id: signal.id, color: signal.color, title: signal.title, message: signal.message, href: `/signals/${signal.signalId}`, linkLabel: "See the signal", autoClose: 10_000, testId: "signal-toast", attributes: { "data-signal-id": signal.signalId } },
            (href) => go.current(href),
          );
        }
        // Notifications of warning and up (info ones only count on the bell).
        const notice = event.type === "notification.created" ? notificationToast(event.data) : null;
        if (notice) {
          setAlerts((current) => [{ id: `${notice.id}:${at}`, level: notice.level, message: notice.message ? `${notice.title} — ${notice.message}` : notice.title, at } satisfies Alert, ...current].slice(0, 20));
          showLinkedToast(
            { id: notice.id, color: notice.color, title: notice.title, message: notice.message, href: notice.href, linkLabel: "See the details", autoClose: notice.autoClose, testId: "notification-toast", attributes: { "data-notification-id": notice.notificationId } },
            (href) => go.current(href),
          );
        }
        const alert = alertFrom(event);
        if (alert) {
          setAlerts((current) => [alert, ...current].slice(0, 20));
          if (alert.level !== "info") {
            notifications.show({ color: alert.level === "error" ? "red" : alert.level === "warning" ? "yellow" : "blue", message: alert.message });
          }
        }
      },
      // Whatever happened while the socket was down is fetched again.
      onReconnected: () => void client.invalidateQueries(),
      onSessionEnded: () => ended.current(),
    });
    socketRef.current = socket;
    socket.watch("positions", [...new Set([...watchers.current.values()].flat())].sort());
    socket.start();
    const nudge = () => socket.nudge();
    const visible = () => document.visibilityState === "visible" && socket.nudge();
    window.addEventListener("online", nudge);
    document.addEventListener("visibilitychange", visible);
    return () => {
      window.removeEventListener("online", nudge);
      document.removeEventListener("visibilitychange", visible);
      socket.stop();
      socketRef.current = null;
    };
  }, [client]);

  const value = useMemo(
    () => ({ state, alerts, dismissAlert: (id: string) => setAlerts((current) => current.filter((a) => a.id !== id)), watchPositions }),
    [state, alerts, watchPositions],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
