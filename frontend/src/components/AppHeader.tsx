import { NavLink } from "react-router";
import { useAuth } from "../hooks/useAuth";

export function AppHeader() {
  const { user, signOut } = useAuth();
  return (
    <header className="app-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <NavLink to={user ? "/" : "/signin"} className="brand" aria-label="TuneScribe home">
        <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
          <rect width="32" height="32" rx="6" fill="currentColor" />
          <path d="M12 23a3 3 0 1 1-2-2.83V8l12-3v13a3 3 0 1 1-2-2.83V9.6l-8 2z" fill="#fff" />
        </svg>
        <span>TuneScribe</span>
      </NavLink>
      {user && (
        <nav aria-label="Main" className="main-nav">
          <NavLink to="/" end>
            New transcription
          </NavLink>
          <NavLink to="/history">History</NavLink>
          {user.is_admin && <NavLink to="/admin">Admin</NavLink>}
          <span className="user-email" title={user.email}>
            {user.email}
          </span>
          <button type="button" className="button-link" onClick={signOut}>
            Sign out
          </button>
        </nav>
      )}
    </header>
  );
}
