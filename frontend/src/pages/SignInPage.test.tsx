import { screen, waitFor } from "@testing-library/react";
import { makeJob, mockFetch, signedIn, USER } from "../test/api";
import { renderApp } from "../test/render";

async function fillSignIn(
  user: ReturnType<typeof renderApp>["user"],
  email = "ada@example.com",
  password = "correct horse",
) {
  await user.type(await screen.findByLabelText("Email"), email);
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("signing in", () => {
  it("a signed-out visitor is sent to the sign-in page", async () => {
    mockFetch();
    renderApp("/history");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  });

  it("signs in with the password form and returns to the page asked for", async () => {
    const api = mockFetch()
      .on("POST", "/api/auth/login", { json: { access_token: "t-1", token_type: "bearer", expires_in: 3600 } })
      .on("GET", "/api/auth/me", { json: USER })
      .on("GET", /^\/api\/jobs\?/, { json: { data: [], count: 0 } });
    const { user } = renderApp("/history");
    await fillSignIn(user);
    expect(await screen.findByRole("heading", { name: "History" })).toBeInTheDocument();
    const body = api.callsTo("POST", "/api/auth/login")[0].body as URLSearchParams;
    expect(body.get("username")).toBe("ada@example.com");
    expect(body.get("password")).toBe("correct horse");
    expect(localStorage.getItem("tunescribe.token")).toBe("t-1");
    expect(await screen.findByText(USER.email)).toBeInTheDocument(); // shown once /api/auth/me answers
  });

  it("says so when the email or password is wrong", async () => {
    mockFetch().on("POST", "/api/auth/login", { status: 401, json: { detail: "Incorrect email or password" } });
    const { user } = renderApp("/signin");
    await fillSignIn(user);
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong email or password.");
  });

  it("says how long to wait when sign-in is throttled", async () => {
    mockFetch().on("POST", "/api/auth/login", {
      status: 429,
      json: { detail: "too many attempts" },
      headers: { "Retry-After": "42" },
    });
    const { user } = renderApp("/signin");
    await fillSignIn(user);
    expect(await screen.findByRole("alert")).toHaveTextContent("Too many sign-in attempts. Try again in 42 seconds.");
  });

  it("keeps the session across a reload (token in localStorage)", async () => {
    const api = mockFetch().on("GET", /^\/api\/jobs\?/, { json: { data: [], count: 0 } });
    signedIn(api);
    renderApp("/history");
    expect(await screen.findByRole("heading", { name: "History" })).toBeInTheDocument();
    expect(api.callsTo("GET", "/api/auth/me")[0].headers.get("Authorization")).toBe("Bearer token-1");
  });

  it("an expired session returns to sign-in with a message", async () => {
    const api = mockFetch().on("GET", /^\/api\/jobs\//, { status: 401, json: { detail: "token expired" } });
    signedIn(api);
    renderApp(`/jobs/${makeJob().id}`);
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Your session has expired");
    expect(localStorage.getItem("tunescribe.token")).toBeNull();
  });

  it("signing out forgets the token", async () => {
    const api = mockFetch();
    signedIn(api);
    const { user } = renderApp("/");
    await user.click(await screen.findByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument());
    expect(localStorage.getItem("tunescribe.token")).toBeNull();
  });
});

describe("signing out", () => {
  it("the next person to sign in starts at home, not on the page left behind", async () => {
    const api = mockFetch()
      .on("GET", /^\/api\/jobs\?/, { json: { data: [], count: 0 } })
      .on("POST", "/api/auth/login", { json: { access_token: "t-2", token_type: "bearer", expires_in: 3600 } });
    signedIn(api);
    const { user } = renderApp("/history");
    await user.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    await fillSignIn(user);
    expect(await screen.findByRole("heading", { name: "New transcription" })).toBeInTheDocument();
  });
});
