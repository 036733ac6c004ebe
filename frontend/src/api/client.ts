/** fetch with the bearer token, and errors a person can read. */

const TOKEN_KEY = "tunescribe.token";

export const tokenStore = {
  get(): string | null {
    try {
      return localStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token: string) {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
  },
};

type ExpiredListener = () => void;
const expiredListeners = new Set<ExpiredListener>();

/** Called when a request made with a token comes back 401: the session has ended. */
export function onSessionExpired(listener: ExpiredListener): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

export function sessionExpired() {
  tokenStore.clear();
  expiredListeners.forEach((listener) => listener());
}

export class ApiError extends Error {
  readonly status: number;
  /** seconds, from a Retry-After header (429) */
  readonly retryAfter: number | null;

  constructor(status: number, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** FastAPI's `detail` is a string, or a list of validation errors with `msg`. */
export function detailMessage(body: unknown, fallback: string): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail)) {
    const messages = detail
      .map((item) => (typeof item === "string" ? item : (item as { msg?: unknown })?.msg))
      .filter((msg): msg is string => typeof msg === "string" && msg.length > 0)
      .map((msg) => msg.replace(/^Value error, /, ""));
    if (messages.length) return messages.join(" ");
  }
  return fallback;
}

export function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function fallbackMessage(status: number): string {
  if (status === 401) return "Your session has expired. Please sign in again.";
  if (status === 404) return "Not found.";
  if (status === 413) return "The file is too large.";
  if (status === 429) return "Too many requests. Please wait and try again.";
  if (status >= 500) return "The server had a problem. Please try again in a moment.";
  return `Request failed (${status}).`;
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the generic message
  }
  return new ApiError(
    response.status,
    detailMessage(body, fallbackMessage(response.status)),
    parseRetryAfter(response.headers.get("Retry-After")),
  );
}

/** A request to our own API. A 401 on a request that carried a token ends the session. */
export async function apiFetch(
  path: string,
  init: RequestInit = {},
  { anonymous = false }: { anonymous?: boolean } = {},
): Promise<Response> {
  const token = anonymous ? null : tokenStore.get();
  const headers = new Headers(init.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (error) {
    if ((error as Error)?.name === "AbortError") throw error;
    throw new ApiError(0, "Cannot reach TuneScribe. Check your connection and try again.");
  }
  if (!response.ok) {
    const error = await errorFromResponse(response);
    if (response.status === 401 && token) sessionExpired();
    throw error;
  }
  return response;
}

export async function apiJson<T>(
  path: string,
  init: RequestInit = {},
  options: { anonymous?: boolean } = {},
): Promise<T> {
  const response = await apiFetch(path, init, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
