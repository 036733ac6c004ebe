import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useAuth } from "../hooks/useAuth";

/**
 * Pages behind sign-in; a signed-out visitor (or an expired session) goes to the sign-in page.
 * With a stored token the page starts at once, while the session is checked: its own requests
 * carry the token, and a 401 on any of them ends the session.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status, expired, left } = useAuth();
  const location = useLocation();
  if (status === "signedOut") {
    const from = left ? undefined : location.pathname + location.search; // not the page someone signed out of
    return <Navigate to="/signin" replace state={{ from, expired }} />;
  }
  return <>{children}</>;
}
