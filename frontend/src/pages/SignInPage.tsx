import { type FormEvent, useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { Alert } from "../components/Alert";
import { AuthCard } from "../components/AuthCard";
import { CredentialFields } from "../components/CredentialFields";
import { useAuth } from "../hooks/useAuth";

export function signInErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 400) return "Wrong email or password.";
    if (error.status === 429) {
      return error.retryAfter
        ? `Too many sign-in attempts. Try again in ${error.retryAfter} second${error.retryAfter === 1 ? "" : "s"}.`
        : "Too many sign-in attempts. Please wait a minute and try again.";
    }
  }
  return (error as Error).message || "Signing in failed.";
}

export function SignInPage() {
  const { signIn, status, expired } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const state = (location.state ?? {}) as { from?: string; expired?: boolean; email?: string };
  const from = state.from && state.from !== "/signin" ? state.from : "/";
  const [email, setEmail] = useState(state.email ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (status === "signedIn" && !busy) return <Navigate to={from} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await signIn(email.trim(), password);
      navigate(from, { replace: true });
    } catch (e) {
      setError(signInErrorMessage(e));
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Sign in" intro="Turn a recording into MIDI and sheet music.">
      {(expired || state.expired) && !error && (
        <Alert tone="info">Your session has expired. Please sign in again.</Alert>
      )}
      {error && <Alert>{error}</Alert>}
      <form onSubmit={submit} className="stack" noValidate>
        <CredentialFields form="signin" email={email} password={password} onEmail={setEmail} onPassword={setPassword} />
        <button type="submit" className="button-primary" disabled={busy || !email || !password}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="auth-switch">
        New to TuneScribe? <Link to="/signup">Create an account</Link>
      </p>
    </AuthCard>
  );
}
