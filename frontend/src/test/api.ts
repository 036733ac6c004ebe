/** Test doubles at the network edge: fetch (routes by method and path) and XMLHttpRequest. */
import { vi } from "vitest";
import { Instrument, type JobPublic, JobStage, JobStatus } from "../api/types";

export interface Call {
  method: string;
  url: string;
  headers: Headers;
  body: BodyInit | null | undefined;
}

type Reply = Response | { status?: number; json?: unknown; body?: BodyInit; headers?: Record<string, string> };
type Handler = (call: Call) => Reply | Promise<Reply>;

export interface FetchMock {
  calls: Call[];
  /** `on("GET", "/api/jobs/1", ...)`; a RegExp matches the path and query */
  on(method: string, path: string | RegExp, handler: Handler | Reply): FetchMock;
  callsTo(method: string, path: string | RegExp): Call[];
}

function toResponse(reply: Reply): Response {
  if (reply instanceof Response) return reply;
  const headers = new Headers(reply.headers);
  let body: BodyInit | null = reply.body ?? null;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers.set("Content-Type", "application/json");
  }
  return new Response(reply.status === 204 ? null : body, { status: reply.status ?? 200, headers });
}

function matches(pattern: string | RegExp, url: string): boolean {
  const path = url.replace(/^https?:\/\/[^/]+/, "");
  return typeof pattern === "string" ? path === pattern || path.split("?")[0] === pattern : pattern.test(path);
}

/** Replaces global fetch; unmatched requests answer 404 so a test sees them fail. */
export function mockFetch(): FetchMock {
  const routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  const calls: Call[] = [];
  const mock: FetchMock = {
    calls,
    on(method, path, handler) {
      routes.unshift({ method, path, handler: typeof handler === "function" ? handler : () => handler });
      return mock;
    },
    callsTo(method, path) {
      return calls.filter((call) => call.method === method && matches(path, call.url));
    },
  };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const call: Call = {
        method: (init.method ?? "GET").toUpperCase(),
        url,
        headers: new Headers(init.headers),
        body: init.body,
      };
      calls.push(call);
      const route = routes.find((r) => r.method === call.method && matches(r.path, url));
      if (!route) return toResponse({ status: 404, json: { detail: `no mock for ${call.method} ${url}` } });
      return toResponse(await route.handler(call));
    }),
  );
  return mock;
}

/** A controllable XMLHttpRequest: the test decides progress and the reply. */
export class FakeXhr {
  static last: FakeXhr | null = null;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = "";
  responseType = "";
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  aborted = false;

  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  respond(status: number, json: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(json);
    this.onload?.();
  }
}

export function installFakeXhr() {
  FakeXhr.last = null;
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
}

export const USER = { id: 1, email: "ada@example.com", is_admin: false };

export function makeJob(overrides: Partial<JobPublic> = {}): JobPublic {
  return {
    id: "0b5f2a64-1d2c-4a8e-9e57-4f0c3b1f9a10",
    status: JobStatus.succeeded,
    stage: JobStage.done,
    progress: 1,
    error: null,
    title: "Gymnopédie No. 1",
    filename: "gymnopedie.wav",
    instrument: Instrument.auto,
    size_bytes: 2_000_000,
    duration_s: 185.4,
    note_count: 812,
    model_version: "tsunet-v1",
    attempts: 1,
    created_at: "2025-11-20T10:15:00Z",
    finished_at: "2025-11-20T10:15:09Z",
    ...overrides,
  };
}

/** A signed-in session: a stored token and /me answering. */
export function signedIn(api: FetchMock, user = USER) {
  localStorage.setItem("tunescribe.token", "token-1");
  api.on("GET", "/api/auth/me", { json: user });
}
