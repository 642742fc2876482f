//! Shared mode as the UI sees it: the core is asked every two seconds (and at once when the window
//! regains focus or the network comes back) whether the server answers, how old the local mirror
//! is, and which offline edits wait in the outbox. Pages read the latest answer from this context
//! and reload their data when the core says it may have changed (`dataVersion` or `mode` moved).
//! In standalone mode the answer never changes, so nothing on screen does either.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import { backend } from './backend';
import { useBackendError } from './session';
import type { Connectivity } from './types';
import { usePoller } from './usePoller';
import { useRevision } from './useRevision';

export const POLL_INTERVAL_MS = 2000;

/** What the core answers in standalone mode, and what the UI assumes before its first answer. */
export const STANDALONE: Connectivity = {
  mode: 'STANDALONE',
  mirrorAsOf: null,
  dataVersion: 0,
  pending: [],
  conflicts: [],
};

export interface ConnectivityState {
  connectivity: Connectivity;
  /** The server does not answer: operations that need it are refused (error code OFFLINE). */
  offline: boolean;
  /** Integrations with an offline edit waiting to be sent. */
  queuedIds: ReadonlySet<string>;
  /** Moves on whenever the data on screen may be out of date; pages reload when it does. */
  dataRevision: number;
  /** Ask the core again now (after an edit, or an OFFLINE error), without waiting for the tick. */
  refresh: () => void;
  /** Take an answer the core gave elsewhere (e.g. `resolve_conflict`) and reload the pages. */
  accept: (next: Connectivity) => void;
}

export function connectivityState(
  connectivity: Connectivity,
  extra: Partial<Omit<ConnectivityState, 'connectivity' | 'offline' | 'queuedIds'>> = {},
): ConnectivityState {
  return {
    connectivity,
    offline: connectivity.mode === 'OFFLINE',
    queuedIds: new Set(connectivity.pending.map((change) => change.integrationId)),
    dataRevision: 0,
    refresh: () => undefined,
    accept: () => undefined,
    ...extra,
  };
}

/** Outside a provider (e.g. a component rendered alone in a test): standalone, never changing. */
export const ConnectivityContext = createContext<ConnectivityState>(connectivityState(STANDALONE));

export function useConnectivity(): ConnectivityState {
  return useContext(ConnectivityContext);
}

/** Calls `onChange` whenever the data may have changed since this component mounted. */
export function useDataChanged(onChange: () => void) {
  useRevision(useConnectivity().dataRevision, onChange);
}

/**
 * Polls `connectivity_status` while mounted (i.e. while signed in), one call at a time; a focus
 * or 'online' event asks at once (or right after the call in flight).
 */
export function ConnectivityProvider({
  children,
  intervalMs = POLL_INTERVAL_MS,
}: {
  children: ReactNode;
  intervalMs?: number;
}) {
  const asError = useBackendError();
  const [connectivity, setConnectivity] = useState<Connectivity>(STANDALONE);
  const [dataRevision, setDataRevision] = useState(0);
  const last = useRef<{ value: Connectivity; json: string } | null>(null);

  const take = useCallback((next: Connectivity, forceReload: boolean) => {
    const previous = last.current;
    const json = JSON.stringify(next);
    if (previous?.json === json && !forceReload) return;
    last.current = { value: next, json };
    setConnectivity(next);
    const changed =
      previous !== null &&
      (previous.value.dataVersion !== next.dataVersion || previous.value.mode !== next.mode);
    if (changed || forceReload) setDataRevision((r) => r + 1);
  }, []);

  const refresh = usePoller({
    fetch: () => backend.connectivityStatus(),
    onAnswer: (next) => {
      take(next, false);
      return intervalMs;
    },
    // UNAUTHENTICATED ends the session (and unmounts this provider); anything else keeps the
    // last answer on screen until the next tick.
    onError: (err) => {
      asError(err);
      return intervalMs;
    },
  });

  useEffect(() => {
    window.addEventListener('focus', refresh);
    window.addEventListener('online', refresh);
    return () => {
      window.removeEventListener('focus', refresh);
      window.removeEventListener('online', refresh);
    };
  }, [refresh]);

  const accept = useCallback((next: Connectivity) => take(next, true), [take]);

  const value = useMemo(
    () => connectivityState(connectivity, { dataRevision, refresh, accept }),
    [connectivity, dataRevision, refresh, accept],
  );
  return <ConnectivityContext.Provider value={value}>{children}</ConnectivityContext.Provider>;
}
