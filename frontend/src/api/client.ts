// The one way the app talks to the API: JSON over fetch with the access token, a single refresh
// and retry on 401, and errors as ApiError carrying the server's {detail, code, errors}.
import { readAuth, refreshAccess } from "@/auth/tokens";
import type { ApiErrorBody } from "./types";

export const API = "/api/v1/";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: Record<string, string[]>;
  readonly retryAfter: number | null;

  constructor(status: number, body: ApiErrorBody, retryAfter: number | null = null) {
    super(body.detail || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code ?? "error";
    this.fieldErrors = flattenErrors(body.errors ?? {});
    this.retryAfter = retryAfter;
  }
}

/** `{levels: [{weight_percent: ["x"]}]}` -> `{"levels.0.weight_percent": ["x"]}`. */
export function flattenErrors(errors: unknown, prefix = ""): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const visit = (value: unknown, path: string) => {
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      if (value.length) out[path || "non_field_errors"] = value as string[];
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, path ? `${path}.${index}` : String(index)));
    } else if (value && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) visit(item, path ? `${path}.${key}` : key);
    } else if (typeof value === "string") {
      out[path || "non_field_errors"] = [value];
    }
  };
  visit(errors, prefix);
  return out;
}

/** Called when the session is gone for good (refresh failed): the app returns to login. */
let onSessionExpired: () => void = () => {};
export function setSessionExpiredHandler(handler: () => void): void {
  onSessionExpired = handler;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  /** Public endpoints (login, register, ...) send no token and never refresh. */
  anonymous?: boolean;
  /** Statuses read as answers rather than errors (e.g. 503 of the detailed health). */
  acceptStatus?: number[];
}

export function buildUrl(path: string, query?: RequestOptions["query"]): string {
  const url = path.startsWith("/") ? path : API + path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

async function send(path: string, options: RequestOptions, access: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (access && !options.anonymous) headers.Authorization = `Bearer ${access}`;
  return fetch(buildUrl(path, options.query), {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: ApiErrorBody = {};
  try {
    body = (await response.json()) as ApiErrorBody;
  } catch {
    body = { detail: response.statusText || `Request failed (${response.status})` };
  }
  const retry = response.headers.get("Retry-After");
  return new ApiError(response.status, body, retry ? Number(retry) : null);
}

export async function apiResponse(path: string, options: RequestOptions = {}): Promise<Response> {
  const access = options.anonymous ? null : (readAuth()?.access ?? null);
  let response = await send(path, options, access);
  if (response.status === 401 && !options.anonymous && access) {
    const fresh = await refreshAccess(access);
    if (!fresh) {
      onSessionExpired();
      throw await errorFrom(response);
    }
    response = await send(path, options, fresh);
    if (response.status === 401) onSessionExpired();
  }
  if (!response.ok && !options.acceptStatus?.includes(response.status)) throw await errorFrom(response);
  return response;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiResponse(path, options);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("Content-Type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}
