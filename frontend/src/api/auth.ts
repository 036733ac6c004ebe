import { apiJson } from "./client";
import type { Token, User } from "./types";

export function register(email: string, password: string): Promise<User> {
  return apiJson<User>(
    "/api/auth/register",
    {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    },
    { anonymous: true },
  );
}

/** OAuth2 password form: the email goes in `username`. */
export function login(email: string, password: string): Promise<Token> {
  return apiJson<Token>(
    "/api/auth/login",
    {
      method: "POST",
      body: new URLSearchParams({ username: email, password }),
    },
    { anonymous: true },
  );
}

export function fetchMe(): Promise<User> {
  return apiJson<User>("/api/auth/me");
}
