import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { Exchange, ExchangeAccount, ExchangeAccountCreate, Page } from "@/api/types";

export function useAccounts() {
  return useQuery({
    queryKey: keys.accounts,
    queryFn: () => api<Page<ExchangeAccount>>("keys", { query: { page_size: 500 } }),
    // A new account is validated in the background: look again until it has an answer.
    refetchInterval: (query) =>
      query.state.data?.results.some((account) => !account.is_validated && !account.last_error && !account.last_validated) ? 1500 : false,
  });
}

export function useExchanges() {
  return useQuery({ queryKey: keys.exchanges, queryFn: () => api<Exchange[]>("exchanges"), staleTime: Infinity });
}

const path = (account: Pick<ExchangeAccount, "exchange">, action = "") => `keys/${account.exchange}${action}`;

export function useAccountActions() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: keys.accounts });
  return {
    create: useMutation({
      mutationFn: ({ exchange, body }: { exchange: string; body: ExchangeAccountCreate }) =>
        api<ExchangeAccount>(`keys/${exchange}`, { method: "POST", body }),
      onSuccess: done,
    }),
    validate: useMutation({
      mutationFn: (account: ExchangeAccount) => api<ExchangeAccount>(path(account, "/validate"), { method: "PUT", query: { label: account.label } }),
      onSuccess: done,
      onError: done,
    }),
    setMode: useMutation({
      mutationFn: ({ account, mode }: { account: ExchangeAccount; mode: "testnet" | "live" }) =>
        api<ExchangeAccount>(path(account, "/mode"), { method: "PUT", query: { label: account.label }, body: { mode } }),
      onSuccess: done,
    }),
    remove: useMutation({
      mutationFn: (account: ExchangeAccount) => api<void>(path(account), { method: "DELETE", query: { label: account.label } }),
      onSuccess: done,
    }),
  };
}
