import { screen } from "@testing-library/react";
import { mockFetch, USER } from "../test/api";
import { renderApp } from "../test/render";

async function fillSignUp(user: ReturnType<typeof renderApp>["user"], email: string, password: string) {
  await user.type(await screen.findByLabelText("Email"), email);
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Create account" }));
}

describe("signing up", () => {
  it("creates the account, signs in, and opens the upload page", async () => {
    const api = mockFetch()
      .on("POST", "/api/auth/register", { status: 201, json: USER })
      .on("POST", "/api/auth/login", { json: { access_token: "t-2", token_type: "bearer" } })
      .on("GET", "/api/auth/me", { json: USER });
    const { user } = renderApp("/signup");
    await fillSignUp(user, "ada@example.com", "long enough");
    expect(await screen.findByRole("heading", { name: "New transcription" })).toBeInTheDocument();
    const sent = JSON.parse(api.callsTo("POST", "/api/auth/register")[0].body as string);
    expect(sent).toEqual({ email: "ada@example.com", password: "long enough" });
  });

  it("refuses a short password before asking the server", async () => {
    const api = mockFetch();
    const { user } = renderApp("/signup");
    await fillSignUp(user, "ada@example.com", "short");
    expect(await screen.findByRole("alert")).toHaveTextContent("at least 8 characters");
    expect(api.calls).toHaveLength(0);
  });

  it("says when the email is already taken, with a way to sign in", async () => {
    mockFetch().on("POST", "/api/auth/register", { status: 409, json: { detail: "email already registered" } });
    const { user } = renderApp("/signup");
    await fillSignUp(user, "ada@example.com", "long enough");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("An account with this email already exists.");
    expect(screen.getByRole("link", { name: "Sign in instead" })).toHaveAttribute("href", "/signin");
  });

  it("shows the server's reasons for a refused password", async () => {
    mockFetch().on("POST", "/api/auth/register", {
      status: 422,
      json: { detail: [{ loc: ["body", "password"], msg: "String should have at least 8 characters", type: "x" }] },
    });
    const { user } = renderApp("/signup");
    await fillSignUp(user, "ada@example.com", "12345678");
    expect(await screen.findByRole("alert")).toHaveTextContent("String should have at least 8 characters");
  });
});
