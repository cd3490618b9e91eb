import { useQuery, type QueryKey } from "@tanstack/react-query";
import { api, ApiError } from "@/api/client";

/** A query on an endpoint this server may not have yet: a 404 reads as "not available" (null). */
export function useOptionalQuery<T>(key: QueryKey, path: string, query?: Record<string, string | number>) {
  return useQuery({
    queryKey: key,
    queryFn: async () => {
      try {
        return await api<T>(path, query ? { query } : {});
      } catch (error) {
        if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
        throw error;
      }
    },
  });
}

/** Lists come paginated or bare depending on the endpoint; read both. */
export function listOf<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === "object" && Array.isArray((data as { results?: unknown }).results)) {
    return (data as { results: T[] }).results;
  }
  return [];
}
