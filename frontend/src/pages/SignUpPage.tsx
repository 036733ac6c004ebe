import { type FormEvent, type ReactNode, useState } from "react";
import { Link, Navigate, useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { Alert } from "../components/Alert";
import { AuthCard } from "../components/AuthCard";
import { CredentialFields } from "../components/CredentialFields";
import { useAuth } from "../hooks/useAuth";
import { signInErrorMessage } from "./SignInPage";

export const MIN_PASSWORD_LENGTH = 8;

export function SignUpPage() {
  const { signUp, status } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);

  if (status === "signedIn" && !busy) return <Navigate to="/" replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!/^\S+@\S+\.\S+$/.test(email.trim())) {
      setError("Enter a valid email address, like name@example.com.");
      return;
    }
    if (password.length < MIN_PASSWORD_LENGTH) {
      setError(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
      return;
    }
    setBusy(true);
    try {
      await signUp(email.trim(), password);
      navigate("/", { replace: true });
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && e.status === 409) {
        setError(
          <>
            An account with this email already exists.{" "}
            <Link to="/signin" state={{ email: email.trim() }}>
              Sign in instead
            </Link>
            .
          </>,
        );
      } else if (e instanceof ApiError && e.status === 422) {
        setError(`Please check your details: ${e.message}`);
      } else {
        setError(signInErrorMessage(e));
      }
    }
  }

  return (
    <AuthCard title="Create an account" intro="Your transcriptions are kept in your history.">
      {error && <Alert>{error}</Alert>}
      <form onSubmit={submit} className="stack" noValidate>
        <CredentialFields
          form="signup"
          email={email}
          password={password}
          onEmail={setEmail}
          onPassword={setPassword}
          newPassword
          minLength={MIN_PASSWORD_LENGTH}
        />
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p className="auth-switch">
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </AuthCard>
  );
}
