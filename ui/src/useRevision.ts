//! Reacting to a counter that moves on whenever something changed (the data on screen, a sync
//! that ended): connectivity's `dataRevision` and sync's `finishedRevision`.

import { useEffect, useRef } from 'react';

/**
 * Calls `onChange` each time `revision` moves on after this component mounted (not for the
 * value it mounted with). The latest render's `onChange` is called, so it need not be stable.
 */
export function useRevision(revision: number, onChange: () => void) {
  const callback = useRef(onChange);
  const seen = useRef(revision);
  useEffect(() => {
    callback.current = onChange;
  });
  useEffect(() => {
    if (seen.current === revision) return;
    seen.current = revision;
    callback.current();
  }, [revision]);
}
