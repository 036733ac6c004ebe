import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { fetchMe, login, register } from "../api/auth";
import { onSessionExpired, tokenStore } from "../api/client";
import type { User } from "../api/types";

export type AuthStatus = "loading" | "signedIn" | "signedOut";

export interface Auth {
  status: AuthStatus;
  user: User | null;
  /** true after a request came back 401: the sign-in page says so */
  expired: boolean;
  /** signed out on purpose (the next sign-in starts at home, not on the page left) */
  left: boolean;
  signIn(email: string, password: string): Promise<void>;
  signUp(email: string, password: string): Promise<void>;
  signOut(): void;
}

const AuthContext = createContext<Auth | null>(null);

/** The session: a bearer token in localStorage (so it survives a reload) and the user it belongs to. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const [expired, setExpired] = useState(false);
  const [left, setLeft] = useState(false); // signed out on purpose: the next sign-in starts at home

  const me = useQuery({
    queryKey: ["me", token],
    queryFn: fetchMe,
    enabled: token !== null,
    retry: false,
    staleTime: Infinity,
  });

  useEffect(
    () =>
      onSessionExpired(() => {
        setToken(null);
        setExpired(true);
        queryClient.clear();
      }),
    [queryClient],
  );

  const signIn = useCallback(async (email: string, password: string) => {
    const { access_token } = await login(email, password);
    tokenStore.set(access_token);
    setExpired(false);
    setLeft(false);
    setToken(access_token);
  }, []);

  const signUp = useCallback(
    async (email: string, password: string) => {
      await register(email, password);
      await signIn(email, password);
    },
    [signIn],
  );

  const signOut = useCallback(() => {
    tokenStore.clear();
    setExpired(false);
    setLeft(true);
    setToken(null);
    queryClient.clear();
  }, [queryClient]);

  const status: AuthStatus = token === null || me.isError ? "signedOut" : me.data ? "signedIn" : "loading";

  const value = useMemo<Auth>(
    () => ({ status, user: status === "signedIn" ? (me.data ?? null) : null, expired, left, signIn, signUp, signOut }),
    [status, me.data, expired, left, signIn, signUp, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth needs an <AuthProvider> above it");
  return auth;
}
