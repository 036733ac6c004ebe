import { apiFetch, ApiError, detailMessage, onSessionExpired, parseRetryAfter, tokenStore } from "./client";
import { mockFetch } from "../test/api";

describe("detailMessage", () => {
  it("reads FastAPI's string detail", () => {
    expect(detailMessage({ detail: "email already registered" }, "x")).toBe("email already registered");
  });

  it("joins the messages of a validation error list", () => {
    const body = {
      detail: [{ msg: "Value error, password too short" }, { msg: "value is not a valid email address" }],
    };
    expect(detailMessage(body, "x")).toBe("password too short value is not a valid email address");
  });

  it("falls back when there is no detail", () => {
    expect(detailMessage(null, "fallback")).toBe("fallback");
    expect(detailMessage({ detail: [] }, "fallback")).toBe("fallback");
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThanOrEqual(9);
  });
});

describe("apiFetch", () => {
  it("sends the bearer token", async () => {
    const api = mockFetch().on("GET", "/api/jobs", { json: { data: [], count: 0 } });
    tokenStore.set("abc");
    await apiFetch("/api/jobs");
    expect(api.calls[0].headers.get("Authorization")).toBe("Bearer abc");
  });

  it("ends the session when a request with a token is refused with 401", async () => {
    mockFetch().on("GET", "/api/auth/me", { status: 401, json: { detail: "token expired" } });
    tokenStore.set("old");
    const expired = vi.fn();
    const stop = onSessionExpired(expired);
    await expect(apiFetch("/api/auth/me")).rejects.toMatchObject({ status: 401 });
    expect(expired).toHaveBeenCalledOnce();
    expect(tokenStore.get()).toBeNull();
    stop();
  });

  it("turns a network failure into a readable error", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const error = await apiFetch("/api/health").catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toMatch(/cannot reach/i);
  });
});
