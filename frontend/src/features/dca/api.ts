import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { keys } from "@/api/keys";
import type { DCAConfig, DCAConfigWrite, Page, Preview, PreviewRequest } from "@/api/types";

export function useDcaConfigs() {
  return useQuery({ queryKey: keys.dcaConfigs, queryFn: () => api<Page<DCAConfig>>("dca-configs", { query: { page_size: 500 } }) });
}

export function useDcaConfig(id: string | undefined) {
  return useQuery({
    queryKey: [...keys.dcaConfigs, id],
    queryFn: () => api<DCAConfig>(`dca-configs/${id}`),
    enabled: !!id,
  });
}

export function useSaveDcaConfig(id: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: DCAConfigWrite) =>
      id ? api<DCAConfig>(`dca-configs/${id}`, { method: "PUT", body }) : api<DCAConfig>("dca-configs", { method: "POST", body }),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.dcaConfigs }),
  });
}

export function useDeleteDcaConfig() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`dca-configs/${id}`, { method: "DELETE" }),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.dcaConfigs }),
  });
}

export function previewGrid(body: PreviewRequest): Promise<Preview> {
  return api<Preview>("dca-configs/preview", { method: "POST", body });
}
