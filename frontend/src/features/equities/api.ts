import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "@/api/client";
import { keys } from "@/api/keys";
import type { EquityFunds, EquityHolding, EquityOrder, EquityPosition } from "@/api/types";

type Book = { holdings: EquityHolding[]; positions: EquityPosition[]; funds: EquityFunds; orders: EquityOrder[] };

/** Broker unreachable (503) is shown at once with a Retry button; other client errors are answers. */
const retry = (count: number, error: Error) => !(error instanceof ApiError && (error.status < 500 || error.status === 503)) && count < 2;

/** One part of an equities account as the broker reports it now: holdings, positions, funds or orders. */
export function useEquityBook<K extends keyof Book>(exchange: string, label: string, part: K) {
  return useQuery({
    queryKey: keys.equityBook(exchange, label, part),
    queryFn: () => api<Book[K]>(`keys/${exchange}/${part}`, { query: { label } }),
    retry,
  });
}

export function isBrokerUnreachable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 503 || error.code === "exchange_unavailable");
}

export function isNotEquities(error: unknown): boolean {
  return error instanceof ApiError && error.code === "not_equities";
}

/** The broker refused the account's stored login (409 broker_login_failed): the credentials need fixing. */
export function isLoginRefused(error: unknown): boolean {
  return error instanceof ApiError && error.code === "broker_login_failed";
}
