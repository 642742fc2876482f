//! Syncs as the UI sees them. "Sync now" only asks the core's scheduler, which starts the run
//! within a moment; what happens next is learnt by polling `sync_activity`: every second while a
//! run is going or one was just asked for, every five seconds otherwise, one call at a time, for
//! as long as someone is signed in (the provider lives inside the signed-in shell). Each run's
//! end is announced once, with a toast, and moves `finishedRevision` so pages reload what the
//! run changed (the list's last sync, status and last error).

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import { backend, listenUntilStopped } from './backend';
import { useToast } from './components/Toasts';
import { useConnectivity } from './connectivity';
import { usePreferences } from './i18n';
import { useBackendError } from './session';
import { recordsText } from './syncText';
import type { Integration, SyncProgress } from './types';
import { usePoller } from './usePoller';
import { useRevision } from './useRevision';

export const FAST_POLL_MS = 1000;
export const SLOW_POLL_MS = 5000;
/**
 * How long a "Sync now" waits for its run to show here. In shared mode another computer's
 * scheduler may take the job, and its progress never reaches this app: the row stops saying
 * "Starting…" after this, and the list is reloaded.
 */
export const REQUEST_WAIT_MS = 30_000;

export interface SyncState {
  /** The latest progress per integration id: running, or finished in the last seconds. */
  activity: ReadonlyMap<string, SyncProgress>;
  /** Integrations whose "Sync now" was asked and whose run has not shown up yet. */
  requested: ReadonlySet<string>;
  /** Moves on each time a run finishes; pages reload what a run changes. */
  finishedRevision: number;
  /** "Sync all now" is on its way to the core. */
  askingAll: boolean;
  /** Asks for one integration; a refusal (off, offline) becomes an error toast. */
  syncNow: (integration: Integration) => void;
  /** Asks for every enabled one of `integrations`, and says how many. */
  syncAll: (integrations: readonly Integration[]) => void;
}

export function syncState(extra: Partial<SyncState> = {}): SyncState {
  return {
    activity: new Map(),
    requested: new Set(),
    finishedRevision: 0,
    askingAll: false,
    syncNow: () => undefined,
    syncAll: () => undefined,
    ...extra,
  };
}

/** Outside a provider (a component rendered alone in a test): nothing syncs. */
export const SyncContext = createContext<SyncState>(syncState());

export function useSync(): SyncState {
  return useContext(SyncContext);
}

/** A finished progress event: the run's last one. */
export function isFinished(progress: SyncProgress): boolean {
  return progress.outcome !== null && progress.outcome !== 'RUNNING';
}

/**
 * What one integration's row shows: `progress` while its run goes, `busy` from "Sync now" until
 * the run ends (with `progress` null before the run has started: "Starting…").
 */
export function syncOf(state: SyncState, id: string): { progress: SyncProgress | null; busy: boolean } {
  const latest = state.activity.get(id);
  const progress = latest && !isFinished(latest) ? latest : null;
  return { progress, busy: progress !== null || state.requested.has(id) };
}

/** Calls `onFinished` once for every run that ends while this component is mounted. */
export function useSyncFinished(onFinished: () => void) {
  useRevision(useSync().finishedRevision, onFinished);
}

interface Request {
  at: number;
  /** The run shown for this integration when it was asked, if any: the new one differs. */
  knownRun: string | null;
}

export function SyncProvider({
  children,
  fastMs = FAST_POLL_MS,
  slowMs = SLOW_POLL_MS,
  requestWaitMs = REQUEST_WAIT_MS,
}: {
  children: ReactNode;
  fastMs?: number;
  slowMs?: number;
  requestWaitMs?: number;
}) {
  const { t, formatNumber } = usePreferences();
  const notify = useToast();
  const asError = useBackendError();
  const { refresh: refreshConnectivity } = useConnectivity();

  const [activity, setActivity] = useState<ReadonlyMap<string, SyncProgress>>(() => new Map());
  const [requested, setRequested] = useState<ReadonlySet<string>>(() => new Set());
  const [finishedRevision, setFinishedRevision] = useState(0);
  const [askingAll, setAskingAll] = useState(false);

  const pending = useRef(new Map<string, Request>());
  const latest = useRef<{ list: Map<string, SyncProgress>; json: string }>({ list: new Map(), json: '[]' });
  /** Finished runs already announced; null until the first answer (runs that ended before are not news). */
  const announced = useRef<Set<string> | null>(null);

  // The latest render's helpers, for the poll loop (which is set up once).
  const helpers = useRef({ t, formatNumber, notify, asError });
  useEffect(() => {
    helpers.current = { t, formatNumber, notify, asError };
  });

  const publishRequested = useCallback(() => setRequested(new Set(pending.current.keys())), []);

  const announce = useCallback((progress: SyncProgress) => {
    const { t: tr, formatNumber: fmt, notify: say } = helpers.current;
    const name = progress.integrationName;
    if (progress.outcome === 'SUCCEEDED') {
      say(
        'success',
        progress.records > 0
          ? tr('sync.succeeded', { name, records: recordsText(tr, fmt, progress.records) })
          : tr('sync.succeededNothing', { name }),
      );
    } else if (progress.outcome === 'FAILED') {
      say('error', progress.error ? tr('sync.failed', { name, error: progress.error }) : tr('sync.failedNoReason', { name }));
    } else {
      say('info', tr('sync.interrupted', { name }));
    }
  }, []);

  /** Takes one answer; says whether to look again soon. */
  const take = useCallback(
    (list: SyncProgress[]): boolean => {
      const byId = new Map(list.map((progress) => [progress.integrationId, progress]));
      const first = announced.current === null;
      const seen = announced.current ?? new Set<string>();
      let ended = 0;
      for (const progress of list) {
        if (!isFinished(progress) || seen.has(progress.runId)) continue;
        seen.add(progress.runId);
        if (!first) {
          ended += 1;
          announce(progress);
        }
      }
      // Only runs still listed can come up again; the others are forgotten.
      const listed = new Set(list.map((progress) => progress.runId));
      announced.current = new Set([...seen].filter((run) => listed.has(run)));

      const now = Date.now();
      let gaveUp = false;
      let settled = false;
      for (const [id, request] of pending.current) {
        const shown = byId.get(id);
        if (shown && shown.runId !== request.knownRun) {
          pending.current.delete(id);
          settled = true;
        } else if (now - request.at > requestWaitMs) {
          pending.current.delete(id);
          settled = true;
          gaveUp = true;
        }
      }
      if (settled) publishRequested();

      const json = JSON.stringify(list);
      if (json !== latest.current.json) {
        latest.current = { list: byId, json };
        setActivity(byId);
      }
      if (ended > 0 || gaveUp) setFinishedRevision((r) => r + 1);
      return list.some((progress) => !isFinished(progress)) || pending.current.size > 0;
    },
    [announce, publishRequested, requestWaitMs],
  );

  const pollNow = usePoller({
    fetch: () => backend.syncActivity(),
    onAnswer: (list) => (take(list) ? fastMs : slowMs),
    // UNAUTHENTICATED ends the session (and unmounts this provider); anything else keeps the
    // last answer on screen until the next tick.
    onError: (err) => {
      asError(err);
      return pending.current.size > 0 ? fastMs : slowMs;
    },
  });

  // The core's progress events make the next poll happen now rather than on the timer.
  useEffect(() => listenUntilStopped(backend.onSyncProgress, pollNow), [pollNow]);

  const refused = useCallback(
    (err: unknown) => {
      const error = helpers.current.asError(err);
      helpers.current.notify('error', error.message);
      if (error.code === 'OFFLINE') refreshConnectivity();
    },
    [refreshConnectivity],
  );

  const syncNow = useCallback(
    (integration: Integration) => {
      const id = integration.id;
      if (pending.current.has(id)) return;
      pending.current.set(id, { at: Date.now(), knownRun: latest.current.list.get(id)?.runId ?? null });
      publishRequested();
      backend.syncNow(id).then(
        pollNow,
        (err: unknown) => {
          pending.current.delete(id);
          publishRequested();
          refused(err);
        },
      );
    },
    [publishRequested, refused, pollNow],
  );

  const syncAll = useCallback(
    (integrations: readonly Integration[]) => {
      setAskingAll(true);
      backend
        .syncAll()
        .then(
          (count) => {
            const { t: tr, notify: say } = helpers.current;
            if (count === 0) {
              say('info', tr('sync.allNone'));
              return;
            }
            const at = Date.now();
            for (const integration of integrations) {
              if (!integration.enabled || pending.current.has(integration.id)) continue;
              pending.current.set(integration.id, {
                at,
                knownRun: latest.current.list.get(integration.id)?.runId ?? null,
              });
            }
            publishRequested();
            say('info', tr(count === 1 ? 'sync.allAskedOne' : 'sync.allAskedMany', { count }));
            pollNow();
          },
          refused,
        )
        .finally(() => setAskingAll(false));
    },
    [publishRequested, refused, pollNow],
  );

  const value = useMemo(
    () => syncState({ activity, requested, finishedRevision, askingAll, syncNow, syncAll }),
    [activity, requested, finishedRevision, askingAll, syncNow, syncAll],
  );
  return <SyncContext.Provider value={value}>{children}</SyncContext.Provider>;
}
