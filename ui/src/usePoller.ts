//! Asking the core the same question again and again while a component is mounted: what
//! connectivity (`connectivity_status`) and syncs (`sync_activity`) learn by polling. One call at
//! a time; each answer says how long to wait before the next; `pollNow` asks at once, or right
//! after the call in flight when there is one; nothing is asked or taken after unmount.

import { useCallback, useEffect, useRef } from 'react';

export interface Poll<T> {
  /** Asks the core. */
  fetch: () => Promise<T>;
  /** Takes an answer; returns how many milliseconds to wait before asking again. */
  onAnswer: (answer: T) => number;
  /** Takes a failed call (or an `onAnswer` that threw); returns the wait before the next. */
  onError: (error: unknown) => number;
}

/**
 * Polls while mounted, starting at once. The latest render's callbacks are used, so they need
 * not be stable. Returns `pollNow`, which is.
 */
export function usePoller<T>(poll: Poll<T>): () => void {
  const latest = useRef(poll);
  useEffect(() => {
    latest.current = poll;
  });
  const pollNow = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let inFlight = false;
    let again = false;
    let timer: number | undefined;

    const run = async () => {
      if (stopped) return;
      if (inFlight) {
        again = true;
        return;
      }
      window.clearTimeout(timer);
      inFlight = true;
      let wait = 0;
      try {
        const answer = await latest.current.fetch();
        if (!stopped) wait = latest.current.onAnswer(answer);
      } catch (error) {
        if (!stopped) wait = latest.current.onError(error);
      } finally {
        inFlight = false;
        if (!stopped) {
          if (again) {
            again = false;
            void run();
          } else {
            timer = window.setTimeout(() => void run(), wait);
          }
        }
      }
    };
    pollNow.current = () => void run();
    void run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      pollNow.current = () => undefined;
    };
  }, []);

  return useCallback(() => pollNow.current(), []);
}
