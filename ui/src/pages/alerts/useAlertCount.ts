//! How many alerts are open and not dismissed: the count beside "Alerts" in the header. Asked
//! again when a sync ends, when the data changes underneath (mirror pulled, link changed), and
//! when the core says an alert fired or was dismissed (the desktop's `alerts-changed`), and when
//! this window dismissed one ([`alertsChangedHere`]: a browser has no core events).

import { useCallback, useEffect, useState } from 'react';

import { backend, listenUntilStopped } from '../../backend';
import { useDataChanged } from '../../connectivity';
import { useSyncFinished } from '../../sync';

const changedHere = new EventTarget();

/** Tells the header's count that this window changed the alerts (e.g. dismissed one). */
export function alertsChangedHere(): void {
  changedHere.dispatchEvent(new Event('changed'));
}

export function useAlertCount(): number {
  const [count, setCount] = useState(0);
  const refresh = useCallback(() => {
    backend.alerts().then(
      (list) => setCount(list.unread),
      // The count is a hint; the Alerts page says what went wrong.
      () => undefined,
    );
  }, []);
  useEffect(refresh, [refresh]);
  useDataChanged(refresh);
  useSyncFinished(refresh);
  useEffect(() => {
    changedHere.addEventListener('changed', refresh);
    return () => changedHere.removeEventListener('changed', refresh);
  }, [refresh]);
  useEffect(() => listenUntilStopped(backend.onAlertsChanged, refresh), [refresh]);
  return count;
}
