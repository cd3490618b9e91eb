// A multipart upload through the API's auth (the shared client speaks JSON only): the access
// token, one refresh and retry on 401, and the server's error body as an ApiError.
import { API, ApiError } from "@/api/client";
import { readAuth, refreshAccess } from "@/auth/tokens";

export async function uploadForm<T>(path: string, form: FormData): Promise<T> {
  const send = (access: string | null) =>
    fetch(API + path, { method: "POST", body: form, headers: { Accept: "application/json", ...(access ? { Authorization: `Bearer ${access}` } : {}) } });
  const access = readAuth()?.access ?? null;
  let response = await send(access);
  if (response.status === 401 && access) {
    const fresh = await refreshAccess(access);
    if (fresh) response = await send(fresh);
  }
  const body = await response.json().catch(() => ({ detail: response.statusText || `Upload failed (${response.status})` }));
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}
