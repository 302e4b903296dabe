import type { KeyView } from '@nextbuy/contracts';
import { createContext, useContext } from 'react';

export interface Session {
  key: KeyView;
  /**
   * Actions (rebuild, rollback, training, activation, backtests, experiments, what-if) are offered to
   * admin keys only; an ops key sees every page read-only.
   */
  isAdmin: boolean;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
