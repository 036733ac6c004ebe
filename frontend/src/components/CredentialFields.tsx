import { TextField } from "./TextField";

interface Props {
  /** "signin" or "signup": keeps the ids unique */
  form: string;
  email: string;
  password: string;
  onEmail(email: string): void;
  onPassword(password: string): void;
  /** a new account's password gets the browser's "suggest a password" */
  newPassword?: boolean;
  minLength?: number;
}

/** Email and password, as the sign-in and sign-up forms ask for them. */
export function CredentialFields({ form, email, password, onEmail, onPassword, newPassword, minLength }: Props) {
  return (
    <>
      <TextField
        id={`${form}-email`}
        label="Email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(e) => onEmail(e.target.value)}
      />
      <TextField
        id={`${form}-password`}
        label="Password"
        type="password"
        autoComplete={newPassword ? "new-password" : "current-password"}
        required
        minLength={minLength}
        hint={minLength ? `At least ${minLength} characters.` : undefined}
        value={password}
        onChange={(e) => onPassword(e.target.value)}
      />
    </>
  );
}
