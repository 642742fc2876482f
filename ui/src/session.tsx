//! The signed-in account and what to do when the core says the session is gone.

import { createContext, useCallback, useContext } from 'react';

import { toBackendError, type BackendError } from './backend';
import type { Account } from './types';

export interface Session {
  account: Account;
  /** The core refused the session (UNAUTHENTICATED): back to the sign-in screen. */
  ended: (message: string) => void;
  /** The core answered with a newer account (e.g. after `set_time_zone`): the whole app takes it. */
  updated: (account: Account) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in screen');
  return session;
}

/** Turns a rejection into a BackendError, ending the session first if the core refused it. */
export function useBackendError(): (error: unknown) => BackendError {
  const session = useContext(SessionContext);
  return useCallback(
    (error: unknown) => {
      const err = toBackendError(error);
      if (err.code === 'UNAUTHENTICATED' && session) session.ended(err.message);
      return err;
    },
    [session],
  );
}
