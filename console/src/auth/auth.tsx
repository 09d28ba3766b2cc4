/** Who is logged in: the session's admin (GET /auth/me), their role, permissions and partner scope. */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';
import { session, type Tokens } from './session';

export type Permission = string;
export type CurrentAdmin = ResponseOf<'/api/v1/auth/me'>;

interface AuthState {
  loggedIn: boolean;
  admin: CurrentAdmin | undefined;
  loading: boolean;
  error: unknown;
  can(permission: Permission): boolean;
}

const AuthContext = createContext<AuthState>({ loggedIn: false, admin: undefined, loading: false, error: null, can: () => false });

export function AuthProvider({ children }: { children: ReactNode }) {
  const [tokens, setTokens] = useState<Tokens | null>(session.current);
  const queryClient = useQueryClient();
  useEffect(
    () =>
      session.subscribe((next) => {
        setTokens((previous) => {
          // Logged out (or in as someone else): nothing cached may leak into the next session.
          if (!next || (previous && !next)) queryClient.clear();
          return next;
        });
      }),
    [queryClient],
  );
  const loggedIn = tokens !== null;
  const me = useQuery({
    queryKey: ['me'],
    enabled: loggedIn,
    staleTime: 60_000,
    queryFn: (): Promise<CurrentAdmin> => ok(api.GET('/api/v1/auth/me')),
  });
  const admin = loggedIn ? me.data : undefined;
  const value: AuthState = {
    loggedIn,
    admin,
    loading: loggedIn && me.isPending,
    error: me.error,
    can: (permission) => (admin?.permissions as Permission[] | undefined)?.includes(permission) ?? false,
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  return useContext(AuthContext);
}
