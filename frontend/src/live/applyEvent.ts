// Live events into the TanStack Query cache: rows change in place where the event carries the
// new values; where it cannot (a new row, a changed status), the affected queries are refetched.
import type { QueryClient } from "@tanstack/react-query";
import { keys } from "@/api/keys";
import type { Page, Performance, Position, PositionDetail, PositionLeg, ServiceLog } from "@/api/types";
import { isOpenStatus } from "@/features/positions/api";
import type { LogLine, TrainingJob, TrainingJobDetail } from "@/features/ml/types";
import { levelOf } from "@/features/notifications/levels";
import type { Notification, NotificationPage, UnreadCount } from "@/features/notifications/types";
import { toNumber } from "@/lib/format";
import type { LiveEvent } from "./socket";

export const LOG_TAIL_MAX = 500;
/** How many entries the Service page's recent logs hold. */
export const RECENT_LOGS_SIZE = 15;

const POSITION_FIELDS = [
  "status",
  "pyramid_count",
  "avg_entry",
  "filled_quantity",
  "realized_pnl",
  "unrealized_pnl",
  "unrealized_pnl_percent",
  "last_price",
  "tp_target_price",
  "close_reason",
] as const;

function pick<T extends object>(data: Record<string, unknown>, fields: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (field in data) out[field] = data[field];
  return out as Partial<T>;
}

function isPage<T>(value: unknown): value is Page<T> {
  return !!value && typeof value === "object" && Array.isArray((value as Page<T>).results);
}

export function applyPositionEvent(client: QueryClient, data: Record<string, unknown>): void {
  const id = String(data.id ?? "");
  if (!id) return;
  const patch = pick<Position>(data, POSITION_FIELDS);
  let statusChanged = false;
  let missingFromAList = false;

  for (const [key, page] of client.getQueriesData<Page<Position>>({ queryKey: keys.positionsAll })) {
    if (!isPage<Position>(page)) continue;
    const row = page.results.find((item) => item.id === id);
    if (!row) {
      missingFromAList = true;
      continue;
    }
    if (patch.status && patch.status !== row.status) statusChanged = true;
    client.setQueryData<Page<Position>>(key, {
      ...page,
      results: page.results.map((item) => (item.id === id ? { ...item, ...patch } : item)),
    });
  }
  const detail = client.getQueryData<PositionDetail>(keys.position(id));
  if (detail) {
    if (patch.status && patch.status !== detail.status) statusChanged = true;
    client.setQueryData<PositionDetail>(keys.position(id), { ...detail, ...patch });
  }
  // Lists filtered by status may gain or lose the row; closed_at and counts come with a refetch.
  if (missingFromAList || statusChanged) void client.invalidateQueries({ queryKey: keys.positionsAll });
  if (statusChanged) {
    void client.invalidateQueries({ queryKey: keys.position(id) });
    void client.invalidateQueries({ queryKey: keys.performanceAll });
  }
}

/** One group's mark in a `positions.marked` event (amounts as the API gives them). */
export interface PositionMark {
  id: string;
  symbol: string;
  last_price: string | null;
  unrealized_pnl: string | null;
  unrealized_pnl_percent: string | null;
  marked_at: string;
}

function markPatch<T extends Position>(row: T, mark: PositionMark): T {
  return {
    ...row,
    last_price: mark.last_price,
    current_price: isOpenStatus(row.status) ? mark.last_price : row.current_price,
    unrealized_pnl: mark.unrealized_pnl ?? row.unrealized_pnl,
    unrealized_pnl_percent: mark.unrealized_pnl_percent ?? row.unrealized_pnl_percent,
  };
}

/** USDT of BTC/USDT (and of BTC/USDT:USDT). */
function quoteOf(symbol: string): string {
  return (symbol.split("/")[1] ?? "").split(":")[0] ?? "";
}

/** `positions.marked`: a take-profit tick's new prices and unrealized PnL for the user's open
 * groups, all in one event. Every cached positions page and open detail takes them in place (no
 * refetch: this arrives every few seconds). The dashboard's unrealized total (a server sum over
 * the open groups in its currency) moves by the change of the marked groups; when one of them was
 * in no cache, its previous value is unknown and the total is read again instead. */
export function applyMarksEvent(client: QueryClient, data: Record<string, unknown>): void {
  const marks = new Map<string, PositionMark>();
  for (const mark of Array.isArray(data.marks) ? (data.marks as PositionMark[]) : []) {
    if (mark && typeof mark.id === "string") marks.set(mark.id, mark);
  }
  if (!marks.size) return;
  const before = new Map<string, string>(); // id -> unrealized PnL before this event

  for (const [key, page] of client.getQueriesData<Page<Position>>({ queryKey: keys.positionsAll })) {
    if (!isPage<Position>(page) || !page.results.some((row) => marks.has(row.id))) continue;
    client.setQueryData<Page<Position>>(key, {
      ...page,
      results: page.results.map((row) => {
        const mark = marks.get(row.id);
        if (!mark) return row;
        if (!before.has(row.id)) before.set(row.id, row.unrealized_pnl);
        return markPatch(row, mark);
      }),
    });
  }
  for (const mark of marks.values()) {
    const detail = client.getQueryData<PositionDetail>(keys.position(mark.id));
    if (!detail) continue;
    if (!before.has(mark.id)) before.set(mark.id, detail.unrealized_pnl);
    client.setQueryData<PositionDetail>(keys.position(mark.id), markPatch(detail, mark));
  }

  const totals = client.getQueriesData<Performance>({ queryKey: keys.performanceAll });
  if (!totals.some(([, total]) => total)) return;
  if ([...marks.keys()].some((id) => !before.has(id))) {
    void client.invalidateQueries({ queryKey: keys.performanceAll });
    return;
  }
  for (const [key, total] of totals) {
    if (!total) continue;
    let change = 0; // over the groups in the summary's currency only: quotes are never added up
    for (const [id, mark] of marks) {
      if (total.currency && quoteOf(mark.symbol) !== total.currency) continue;
      change += (toNumber(mark.unrealized_pnl) ?? 0) - (toNumber(before.get(id)) ?? 0);
    }
    if (change === 0) continue;
    const moved = (toNumber(total.unrealized_pnl) ?? 0) + change;
    // Ten places hold any quote amount; fewer digits than the float carries drop its noise.
    client.setQueryData<Performance>(key, { ...total, unrealized_pnl: String(Number(moved.toFixed(10))) });
  }
}

export function applyOrderEvent(client: QueryClient, data: Record<string, unknown>): void {
  const groupId = String(data.position_group ?? "");
  const orderId = String(data.id ?? "");
  if (!groupId || !orderId) return;
  const detail = client.getQueryData<PositionDetail>(keys.position(groupId));
  let found = false;
  if (detail) {
    const legPatch: Partial<PositionLeg> = {
      ...pick<PositionLeg>(data, ["status", "filled_quantity", "fees", "tp_price", "tp_status", "price", "quantity", "last_error"]),
      ...("avg_fill_price" in data ? { filled_price: data.avg_fill_price as string | null } : {}),
    };
    const pyramids = detail.pyramids.map((pyramid) => ({
      ...pyramid,
      legs: pyramid.legs.map((leg) => {
        if (leg.id !== orderId) return leg;
        found = true;
        return { ...leg, ...legPatch };
      }),
    }));
    const exitOrders = detail.exit_orders.map((order) => {
      if (order.id !== orderId) return order;
      found = true;
      return {
        ...order,
        ...pick(data, ["status", "filled_quantity", "avg_fill_price", "price", "quantity"]),
      };
    });
    const legsFilled = pyramids.reduce(
      (sum, pyramid) => sum + pyramid.legs.filter((leg) => leg.status === "filled").length,
      0,
    );
    client.setQueryData<PositionDetail>(keys.position(groupId), {
      ...detail,
      pyramids,
      exit_orders: exitOrders,
      legs_filled: legsFilled,
    });
    if (!found) void client.invalidateQueries({ queryKey: keys.position(groupId) });
  }
  // Leg counts in the lists change with fills.
  if (data.status === "filled" || data.status === "cancelled" || !found) {
    void client.invalidateQueries({ queryKey: keys.positionsAll });
  }
}

export function applyLogEvent(client: QueryClient, data: Record<string, unknown>): void {
  const entry = {
    id: typeof data.id === "number" ? data.id : -Date.now(),
    timestamp: String(data.timestamp ?? new Date().toISOString()),
    level: String(data.level ?? "INFO").toUpperCase(),
    category: String(data.category ?? ""),
    module: String(data.module ?? ""),
    message: String(data.message ?? ""),
    context: data.context ?? data,
    user: null,
  } as ServiceLog;
  const tail = client.getQueryData<ServiceLog[]>(keys.logTail);
  if (tail && !tail.some((row) => row.id === entry.id)) {
    client.setQueryData<ServiceLog[]>(keys.logTail, [entry, ...tail].slice(0, LOG_TAIL_MAX));
  }
  // The Service page's recent logs: the newest first, as many as it asked for.
  const recent = client.getQueryData<Page<ServiceLog>>(keys.serviceLogs);
  if (recent && !recent.results.some((row) => row.id === entry.id)) {
    client.setQueryData<Page<ServiceLog>>(keys.serviceLogs, {
      ...recent,
      count: recent.count + 1,
      results: [entry, ...recent.results].slice(0, RECENT_LOGS_SIZE),
    });
  }
}

/** `queue.updated` carries the whole ranked queue and the summary: both replace the cache. */
export function applyQueueEvent(client: QueryClient, data: Record<string, unknown>): void {
  if (Array.isArray(data.entries)) {
    const results = data.entries as unknown[];
    client.setQueryData(keys.queueList("queued"), { count: results.length, next: null, previous: null, results });
  }
  if (data.summary && typeof data.summary === "object") client.setQueryData(keys.queueSummary, data.summary);
  // The history (promoted, removed, ...) may have gained entries.
  void client.invalidateQueries({
    queryKey: keys.queue,
    predicate: (query) => query.queryKey[1] === "list" && query.queryKey[2] !== "queued",
  });
  if (!Array.isArray(data.entries)) void client.invalidateQueries({ queryKey: keys.queue });
}

const JOB_DONE = ["succeeded", "failed", "cancelled"];
const JOB_LOG_KEEP = 500; // as many lines as the server keeps on a job

/** `ml.job.updated`: the job's row and its open detail move at once (progress, status, the new
 * log line); a job no list shows yet (another admin's, a schedule's) refetches the lists, and a
 * job that ended refetches them with the models (a success registers one). */
export function applyMlJobEvent(client: QueryClient, data: Record<string, unknown>): void {
  const id = String(data.id ?? "");
  if (!id) return;
  const patch = pick<TrainingJob>(data, ["status", "progress", "error"]);
  const line = data.log && typeof data.log === "object" ? (data.log as LogLine) : null;
  let listed = false;
  for (const [key, page] of client.getQueriesData<Page<TrainingJob>>({ queryKey: keys.mlJobs })) {
    if (!isPage<TrainingJob>(page) || !page.results.some((job) => job.id === id)) continue;
    listed = true;
    client.setQueryData<Page<TrainingJob>>(key, {
      ...page,
      results: page.results.map((job) => (job.id === id ? { ...job, ...patch, last_log: line ?? job.last_log } : job)),
    });
  }
  const detail = client.getQueryData<TrainingJobDetail>(keys.mlJob(id));
  if (detail) {
    const known = line && detail.log.some((entry) => entry.at === line.at && entry.message === line.message);
    const log = line && !known ? [...detail.log, line].slice(-JOB_LOG_KEEP) : detail.log;
    client.setQueryData<TrainingJobDetail>(keys.mlJob(id), { ...detail, ...patch, log, last_log: line ?? detail.last_log });
  }
  const ended = JOB_DONE.includes(String(data.status));
  if (!listed || ended) void client.invalidateQueries({ queryKey: keys.mlJobs });
  if (ended) {
    // finished_at, model_id and the metrics come with a refetch.
    void client.invalidateQueries({ queryKey: keys.mlJob(id) });
    void client.invalidateQueries({ queryKey: keys.mlModels });
  }
}

/** `notification.created`: the bell's count is the event's own; the new row goes on top of the
 * first page of every cached list it belongs to (the bell's, the page's), without a refetch, since
 * a busy tick sends dozens at once. Later pages shift by one, so they are read again. */
export function applyNotificationEvent(client: QueryClient, data: Record<string, unknown>): void {
  if (typeof data.unread_count === "number") {
    client.setQueryData<UnreadCount>(keys.notificationUnread, { unread: data.unread_count });
  } else {
    void client.invalidateQueries({ queryKey: keys.notificationUnread });
  }
  const id = String(data.id ?? "");
  if (!id) return;
  const row: Notification = {
    id,
    type: String(data.type ?? ""),
    level: levelOf(data.level),
    title: String(data.title ?? ""),
    message: String(data.message ?? ""),
    link: typeof data.link === "string" ? data.link : "",
    data: {},
    read_at: null,
    created_at: String(data.created_at ?? new Date().toISOString()),
  };
  for (const [key, page] of client.getQueriesData<NotificationPage>({ queryKey: keys.notificationLists })) {
    const filters = (key[2] ?? {}) as { type?: string; page?: number; page_size?: number };
    if (filters.type && filters.type !== row.type) continue;
    if ((filters.page ?? 1) > 1) {
      void client.invalidateQueries({ queryKey: key, exact: true });
      continue;
    }
    if (!isPage<Notification>(page) || page.results.some((item) => item.id === id)) continue;
    const keep = filters.page_size ?? (page.next ? page.results.length : page.results.length + 1);
    client.setQueryData<NotificationPage>(key, { ...page, count: page.count + 1, results: [row, ...page.results].slice(0, keep) });
  }
}

export function applyEvent(client: QueryClient, event: LiveEvent): void {
  const data = event.data ?? {};
  switch (event.type) {
    case "position.updated":
      applyPositionEvent(client, data);
      break;
    case "positions.marked":
      applyMarksEvent(client, data);
      break;
    case "order.updated":
      applyOrderEvent(client, data);
      break;
    case "signal.received":
      void client.invalidateQueries({ queryKey: keys.signals });
      break;
    case "log.created":
      applyLogEvent(client, data);
      break;
    case "queue.updated":
      applyQueueEvent(client, data);
      break;
    case "risk.action":
      void client.invalidateQueries({ queryKey: keys.risk });
      break;
    case "service.updated": {
      const status = client.getQueryData<Record<string, unknown>>(keys.serviceStatus);
      if (status) client.setQueryData(keys.serviceStatus, { ...status, ...data });
      void client.invalidateQueries({ queryKey: keys.service });
      break;
    }
    case "strategy.updated": // one of the seven NSE strategy tasks ran: its pages read again
      void client.invalidateQueries({ queryKey: keys.strategy });
      void client.invalidateQueries({ queryKey: keys.service });
      break;
    case "notification.created":
      applyNotificationEvent(client, data);
      break;
    case "ml.job.updated":
      applyMlJobEvent(client, data);
      break;
    default:
      break; // newer servers may send types this build does not know
  }
}
