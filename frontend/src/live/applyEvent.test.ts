import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { keys } from "@/api/keys";
import type { Page, Position, PositionDetail, ServiceLog } from "@/api/types";
import type { TrainingJob, TrainingJobDetail } from "@/features/ml/types";
import { jobFixture } from "@/features/ml/testFixtures";
import { notificationFixture } from "@/features/notifications/testFixtures";
import type { NotificationPage } from "@/features/notifications/types";
import { detail, position } from "@/test/fixtures";
import { applyEvent, LOG_TAIL_MAX, RECENT_LOGS_SIZE } from "./applyEvent";

function client(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
}
const page = (results: Position[]): Page<Position> => ({ count: results.length, next: null, previous: null, results });
const stale = (c: QueryClient, key: readonly unknown[]) => c.getQueryState(key)?.isInvalidated ?? false;

describe("live events in the query cache", () => {
  it("a position update changes the row in every list and the detail without a refetch", () => {
    const c = client();
    c.setQueryData(keys.positions({ open: "true" }), page([position()]));
    c.setQueryData(keys.positions({}), page([position(), position({ id: "g2" })]));
    c.setQueryData(keys.position("g1"), detail({ status: "live" }));

    applyEvent(c, { type: "position.updated", data: { id: "g1", status: "live", unrealized_pnl: "12.5", unrealized_pnl_percent: "1.25", last_price: "101.25" } });

    expect(c.getQueryData<Page<Position>>(keys.positions({ open: "true" }))?.results[0]?.unrealized_pnl).toBe("12.5");
    expect(c.getQueryData<Page<Position>>(keys.positions({}))?.results[0]?.last_price).toBe("101.25");
    expect(c.getQueryData<Page<Position>>(keys.positions({}))?.results[1]?.unrealized_pnl).toBe("0");
    expect(c.getQueryData<PositionDetail>(keys.position("g1"))?.unrealized_pnl_percent).toBe("1.25");
    expect(stale(c, keys.positions({}))).toBe(false);
  });

  it("a tick's marks move every cached row, the open detail and the dashboard's unrealized total in place", () => {
    const c = client();
    c.setQueryData(keys.positions({ open: "true", page_size: "100" }), page([position({ unrealized_pnl: "2" }), position({ id: "g2", unrealized_pnl: "-1" })]));
    c.setQueryData(keys.positions({ status: "closed" }), page([position({ id: "g9", status: "closed", last_price: "90", current_price: null })]));
    c.setQueryData(keys.position("g1"), detail({ status: "live", unrealized_pnl: "2" }));
    c.setQueryData(keys.performance(30), { realized_pnl: "10", unrealized_pnl: "1", currency: "USDT" });
    c.setQueryData(keys.performance(90), { realized_pnl: "0", unrealized_pnl: "7", currency: "INR" });
    const marks = [
      { id: "g1", symbol: "BTC/USDT", last_price: "99.22", unrealized_pnl: "-0.78", unrealized_pnl_percent: "-0.78", marked_at: "2026-12-06T08:00:00.000Z" },
      { id: "g2", symbol: "ETH/USDT", last_price: "3010.5", unrealized_pnl: "0.5", unrealized_pnl_percent: "0.05", marked_at: "2026-12-06T08:00:00.000Z" },
    ];

    applyEvent(c, { type: "positions.marked", data: { marks } });

    const open = c.getQueryData<Page<Position>>(keys.positions({ open: "true", page_size: "100" }))!.results;
    expect(open.map((row) => [row.last_price, row.current_price, row.unrealized_pnl, row.unrealized_pnl_percent])).toEqual([
      ["99.22", "99.22", "-0.78", "-0.78"],
      ["3010.5", "3010.5", "0.5", "0.05"],
    ]);
    const shown = c.getQueryData<PositionDetail>(keys.position("g1"))!;
    expect([shown.last_price, shown.unrealized_pnl_percent]).toEqual(["99.22", "-0.78"]);
    expect(c.getQueryData<Page<Position>>(keys.positions({ status: "closed" }))!.results[0]!.last_price).toBe("90");
    // 1 + (-0.78 - 2) + (0.5 - -1) = -0.28
    expect(c.getQueryData<{ unrealized_pnl: string }>(keys.performance(30))!.unrealized_pnl).toBe("-0.28");
    expect(c.getQueryData<{ unrealized_pnl: string }>(keys.performance(90))!.unrealized_pnl).toBe("7"); // another quote
    for (const key of [keys.positions({ open: "true", page_size: "100" }), keys.position("g1"), keys.performance(30)]) {
      expect(stale(c, key)).toBe(false); // no refetch every tick
    }
  });

  it("marks of a group no cache holds refetch the dashboard's total, since its change is unknown", () => {
    const c = client();
    c.setQueryData(keys.positions({ open: "true" }), page([position()]));
    c.setQueryData(keys.performance(30), { realized_pnl: "0", unrealized_pnl: "1" });
    applyEvent(c, {
      type: "positions.marked",
      data: { marks: [{ id: "elsewhere", symbol: "BTC/USDT", last_price: "1", unrealized_pnl: "5", unrealized_pnl_percent: "1", marked_at: "2026-12-06T08:00:00.000Z" }] },
    });
    expect(stale(c, keys.performance(30))).toBe(true);
    expect(stale(c, keys.positions({ open: "true" }))).toBe(false);
    expect(c.getQueryData<Page<Position>>(keys.positions({ open: "true" }))!.results[0]!.last_price).toBe(position().last_price);
  });

  it("a new position or a status change refetches the lists, the detail and the performance", () => {
    const c = client();
    c.setQueryData(keys.positions({ open: "true" }), page([position()]));
    c.setQueryData(keys.position("g1"), detail({ status: "live" }));
    c.setQueryData(keys.performance(30), { realized_pnl: "0" });

    applyEvent(c, { type: "position.updated", data: { id: "g1", status: "closed", realized_pnl: "3" } });

    expect(c.getQueryData<PositionDetail>(keys.position("g1"))?.status).toBe("closed");
    expect(stale(c, keys.positions({ open: "true" }))).toBe(true);
    expect(stale(c, keys.position("g1"))).toBe(true);
    expect(stale(c, keys.performance(30))).toBe(true);

    const d = client();
    d.setQueryData(keys.positions({ open: "true" }), page([]));
    applyEvent(d, { type: "position.updated", data: { id: "new", status: "live" } });
    expect(stale(d, keys.positions({ open: "true" }))).toBe(true);
  });

  it("an order fill marks the leg filled in the detail and recounts the filled legs", () => {
    const c = client();
    c.setQueryData(keys.position("g1"), detail());
    applyEvent(c, { type: "order.updated", data: { id: "o2", position_group: "g1", role: "leg", status: "filled", filled_quantity: "1", avg_fill_price: "99", tp_status: "placed" } });
    const d = c.getQueryData<PositionDetail>(keys.position("g1"))!;
    const leg = d.pyramids[0]!.legs[1]!;
    expect(leg.status).toBe("filled");
    expect(leg.filled_price).toBe("99");
    expect(leg.tp_status).toBe("placed");
    expect(d.legs_filled).toBe(2);
  });

  it("an order the detail does not know (a new take-profit) refetches the detail", () => {
    const c = client();
    c.setQueryData(keys.position("g1"), detail());
    applyEvent(c, { type: "order.updated", data: { id: "tp-new", position_group: "g1", role: "take_profit", status: "open" } });
    expect(stale(c, keys.position("g1"))).toBe(true);
  });

  it("the queue event replaces the queued list and the summary", () => {
    const c = client();
    c.setQueryData(keys.queueList("promoted"), { count: 0, next: null, previous: null, results: [] });
    applyEvent(c, { type: "queue.updated", data: { entries: [{ id: "q1", rank: 1 }], summary: { open_groups: 2, max_open_groups: 2, queued: 1 } } });
    expect(c.getQueryData<Page<{ id: string }>>(keys.queueList("queued"))?.results.map((e) => e.id)).toEqual(["q1"]);
    expect(c.getQueryData<{ queued: number }>(keys.queueSummary)?.queued).toBe(1);
    expect(stale(c, keys.queueList("promoted"))).toBe(true);
  });

  it("log entries are prepended to the live tail, without duplicates and up to its size", () => {
    const c = client();
    c.setQueryData<ServiceLog[]>(keys.logTail, []);
    for (let id = 1; id <= LOG_TAIL_MAX + 5; id++) {
      applyEvent(c, { type: "log.created", data: { id, level: "INFO", message: `m${id}`, timestamp: "2026-03-01T10:00:00Z" } });
    }
    applyEvent(c, { type: "log.created", data: { id: LOG_TAIL_MAX + 5, level: "INFO", message: "again" } });
    const tail = c.getQueryData<ServiceLog[]>(keys.logTail)!;
    expect(tail).toHaveLength(LOG_TAIL_MAX);
    expect(tail[0]?.message).toBe(`m${LOG_TAIL_MAX + 5}`);
  });

  it("log entries are prepended to the Service page's recent logs, which keep their size", () => {
    const c = client();
    const old = (id: number) => ({ id, timestamp: "2026-03-01T10:00:00Z", level: "INFO", category: "TRADING", module: "m", message: `old${id}`, context: {}, user: null });
    c.setQueryData<Page<ServiceLog>>(keys.serviceLogs, { count: 40, next: "n", previous: null, results: Array.from({ length: RECENT_LOGS_SIZE }, (_, i) => old(100 - i)) as ServiceLog[] });
    applyEvent(c, { type: "log.created", data: { id: 101, level: "INFO", category: "TRADING", message: "Leg 2 of long BTC/USDT 1h filled" } });
    applyEvent(c, { type: "log.created", data: { id: 101, level: "INFO", message: "again" } });
    const recent = c.getQueryData<Page<ServiceLog>>(keys.serviceLogs)!;
    expect(recent.results).toHaveLength(RECENT_LOGS_SIZE);
    expect(recent.results[0]?.message).toBe("Leg 2 of long BTC/USDT 1h filled");
    expect(recent.count).toBe(41);
  });

  it("a service update merges into the status and unknown events are ignored", () => {
    const c = client();
    c.setQueryData(keys.serviceStatus, { service_running: true, error_count: 0 });
    applyEvent(c, { type: "service.updated", data: { service_running: false } });
    expect(c.getQueryData<{ service_running: boolean; error_count: number }>(keys.serviceStatus)).toEqual({ service_running: false, error_count: 0 });
    expect(() => applyEvent(c, { type: "something.new", data: {} })).not.toThrow();
  });

  it("a strategy task run makes the strategy pages read again", () => {
    const c = client();
    c.setQueryData(["strategy", "tasks"], []);
    applyEvent(c, { type: "strategy.updated", data: { task: "analysis", outcome: "success" } });
    expect(c.getQueryState(["strategy", "tasks"])?.isInvalidated).toBe(true);
  });

  it("a training job's step moves its row and its open detail at once, without a refetch", () => {
    const c = client();
    const jobs = (results: TrainingJob[]) => ({ count: results.length, next: null, previous: null, results });
    c.setQueryData(keys.mlJobsPage(1), jobs([jobFixture({ id: "j1", status: "running", progress: 10 }), jobFixture({ id: "j2" })]));
    const first = { at: "2026-12-06T10:00:00Z", level: "info", message: "Loading AAPL" };
    c.setQueryData<TrainingJobDetail>(keys.mlJob("j1"), { ...jobFixture({ id: "j1", status: "running", progress: 10 }), log: [first] });
    const line = { at: "2026-12-06T10:00:01Z", level: "info", message: "Loaded IBM: 3,500 candles" };

    applyEvent(c, { type: "ml.job.updated", data: { id: "j1", status: "running", progress: 45, log: line, error: "", model_type: "verdict_classifier" } });
    applyEvent(c, { type: "ml.job.updated", data: { id: "j1", status: "running", progress: 45, log: line, error: "", model_type: "verdict_classifier" } });

    const row = c.getQueryData<{ results: TrainingJob[] }>(keys.mlJobsPage(1))!.results[0]!;
    expect(row.progress).toBe(45);
    expect(row.last_log?.message).toBe("Loaded IBM: 3,500 candles");
    expect(c.getQueryData<{ results: TrainingJob[] }>(keys.mlJobsPage(1))!.results[1]!.progress).toBe(0);
    expect(c.getQueryData<TrainingJobDetail>(keys.mlJob("j1"))!.log.map((l) => l.message)).toEqual(["Loading AAPL", "Loaded IBM: 3,500 candles"]);
    expect(stale(c, keys.mlJobsPage(1))).toBe(false);
    expect(stale(c, keys.mlJob("j1"))).toBe(false);
  });

  it("a training job that ends refetches the jobs, its detail and the models; an unknown job refetches the jobs", () => {
    const c = client();
    c.setQueryData(keys.mlJobsPage(1), { count: 1, next: null, previous: null, results: [jobFixture({ id: "j1", status: "running", progress: 95 })] });
    c.setQueryData<TrainingJobDetail>(keys.mlJob("j1"), { ...jobFixture({ id: "j1", status: "running" }), log: [] });
    c.setQueryData(keys.mlModels, []);
    applyEvent(c, { type: "ml.job.updated", data: { id: "j1", status: "succeeded", progress: 100, log: { at: "t", level: "info", message: "Registered verdict_classifier v3" }, error: "" } });
    expect(c.getQueryData<{ results: TrainingJob[] }>(keys.mlJobsPage(1))!.results[0]!.status).toBe("succeeded");
    expect(stale(c, keys.mlJobsPage(1))).toBe(true);
    expect(stale(c, keys.mlJob("j1"))).toBe(true);
    expect(stale(c, keys.mlModels)).toBe(true);

    const d = client();
    d.setQueryData(keys.mlJobsPage(1), { count: 0, next: null, previous: null, results: [] });
    d.setQueryData(keys.mlModels, []);
    applyEvent(d, { type: "ml.job.updated", data: { id: "other", status: "running", progress: 5, log: null, error: "" } });
    expect(stale(d, keys.mlJobsPage(1))).toBe(true);
    expect(stale(d, keys.mlModels)).toBe(false);
  });

  it("a new notification sets the bell's count and tops the first page of the lists it belongs to, without a refetch", () => {
    const c = client();
    const list = (results: ReturnType<typeof notificationFixture>[], next: string | null = null): NotificationPage => ({ count: results.length, next, previous: null, results });
    c.setQueryData(keys.notificationUnread, { unread: 2 });
    c.setQueryData(keys.notificationList({ unread_only: true, page_size: 2 }), list([notificationFixture({ id: "a" }), notificationFixture({ id: "b" })]));
    c.setQueryData(keys.notificationList({ page: 1, page_size: 25 }), list([notificationFixture({ id: "a" })]));
    c.setQueryData(keys.notificationList({ type: "key_invalid", page: 1, page_size: 25 }), list([]));
    c.setQueryData(keys.notificationList({ page: 2, page_size: 25 }), list([notificationFixture({ id: "z" })]));
    const event = { id: "n9", type: "leg_filled", level: "info", title: "Leg 3 filled", message: "at 99", link: "/positions/g1", created_at: "2026-12-06T11:00:00Z", unread_count: 3 };

    applyEvent(c, { type: "notification.created", data: event });
    applyEvent(c, { type: "notification.created", data: event });

    expect(c.getQueryData(keys.notificationUnread)).toEqual({ unread: 3 });
    const bell = c.getQueryData<NotificationPage>(keys.notificationList({ unread_only: true, page_size: 2 }))!;
    expect(bell.results.map((n) => n.id)).toEqual(["n9", "a"]);
    expect(bell.results[0]).toMatchObject({ title: "Leg 3 filled", level: "info", read_at: null, link: "/positions/g1" });
    const all = c.getQueryData<NotificationPage>(keys.notificationList({ page: 1, page_size: 25 }))!;
    expect(all.results.map((n) => n.id)).toEqual(["n9", "a"]);
    expect(all.count).toBe(2);
    expect(c.getQueryData<NotificationPage>(keys.notificationList({ type: "key_invalid", page: 1, page_size: 25 }))!.results).toEqual([]);
    expect(stale(c, keys.notificationList({ page: 1, page_size: 25 }))).toBe(false);
    expect(stale(c, keys.notificationUnread)).toBe(false);
    expect(stale(c, keys.notificationList({ page: 2, page_size: 25 }))).toBe(true);
  });

  it("a notification event without a count reads the count again", () => {
    const c = client();
    c.setQueryData(keys.notificationUnread, { unread: 1 });
    c.setQueryData(keys.notificationPreferences, { email_enabled: true });
    applyEvent(c, { type: "notification.created", data: { id: "n2", type: "service_stopped", level: "warning" } });
    expect(stale(c, keys.notificationUnread)).toBe(true);
    expect(stale(c, keys.notificationPreferences)).toBe(false);
  });
});
