//! Updates as the UI sees them. The app checks at start and daily by itself and says so with an
//! `update-available` event; this context keeps what it offered, lets the user check now, and
//! installs only when the user chooses *Install and restart* (then the app restarts into the
//! new version). Nothing installs without that click.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import { backend, listenUntilStopped, toBackendError, type BackendError } from './backend';
import type { AvailableUpdate, DownloadProgress } from './types';

export type UpdatePhase =
  | { phase: 'idle' }
  | { phase: 'checking' }
  /** A check the user asked for found nothing newer. */
  | { phase: 'latest' }
  | { phase: 'check-failed'; error: BackendError }
  | { phase: 'installing'; progress: DownloadProgress | null }
  | { phase: 'install-failed'; error: BackendError }
  | { phase: 'restarting' };

export interface UpdatesState {
  /** The newer version on offer, if any. */
  available: AvailableUpdate | null;
  phase: UpdatePhase;
  /** "Later" was chosen: the banner stays hidden until a check offers something again. */
  dismissed: boolean;
  check: () => Promise<void>;
  install: () => Promise<void>;
  dismiss: () => void;
}

const idle: UpdatePhase = { phase: 'idle' };

const UpdatesContext = createContext<UpdatesState>({
  available: null,
  phase: idle,
  dismissed: false,
  check: async () => undefined,
  install: async () => undefined,
  dismiss: () => undefined,
});

export function useUpdates(): UpdatesState {
  return useContext(UpdatesContext);
}

export function UpdatesProvider({ children }: { children: ReactNode }) {
  const [available, setAvailable] = useState<AvailableUpdate | null>(null);
  const [phase, setPhase] = useState<UpdatePhase>(idle);
  const [dismissed, setDismissed] = useState(false);
  const busy = useRef(false);

  useEffect(() => {
    let stopped = false;
    const offered = (update: AvailableUpdate | null) => {
      if (stopped) return;
      setAvailable(update);
      if (update) setDismissed(false);
    };
    // The check at start may have answered before this window listened.
    backend.availableUpdate().then(offered, () => undefined);
    const unlisten = listenUntilStopped(backend.onUpdateAvailable, offered);
    return () => {
      stopped = true;
      unlisten();
    };
  }, []);

  const check = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    setPhase({ phase: 'checking' });
    try {
      const update = await backend.checkForUpdate();
      setAvailable(update);
      if (update) setDismissed(false);
      setPhase(update ? idle : { phase: 'latest' });
    } catch (err) {
      setPhase({ phase: 'check-failed', error: toBackendError(err) });
    } finally {
      busy.current = false;
    }
  }, []);

  const install = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    setPhase({ phase: 'installing', progress: null });
    const stop = await backend.onUpdateProgress((progress) => setPhase({ phase: 'installing', progress }));
    try {
      await backend.installUpdate();
      setPhase({ phase: 'restarting' });
      // Ends this process; an answer only comes back if the restart was refused.
      await backend.restartApp();
    } catch (err) {
      setPhase({ phase: 'install-failed', error: toBackendError(err) });
    } finally {
      stop();
      busy.current = false;
    }
  }, []);

  const dismiss = useCallback(() => setDismissed(true), []);

  const value = useMemo(
    () => ({ available, phase, dismissed, check, install, dismiss }),
    [available, phase, dismissed, check, install, dismiss],
  );
  return <UpdatesContext.Provider value={value}>{children}</UpdatesContext.Provider>;
}
