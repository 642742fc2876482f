//! *Receive orders in real time* for a Pancake store in its Edit page: the switch (the core
//! registers the store's webhook with Pancake, or unregisters it), the last delivery's time and
//! the delivery log. It acts at once, not with the form's Save: the switch is Pancake's setting,
//! not a field of the integration. Nothing secret reaches the UI: the webhook's secret stays in
//! the core, and the log holds no header and no body.

import { useCallback, useEffect, useId, useState } from 'react';

import { backend } from '../backend';
import { useConnectivity } from '../connectivity';
import { usePreferences, type MessageKey, type Translate } from '../i18n';
import { useBackendError } from '../session';
import type { DeliveryRecord, ErrorPayload, Integration, RealtimeOrders } from '../types';
import { DataTable, EmptyList } from './DataTable';
import { ErrorAlert, LoadStatus } from './ErrorAlert';
import { IntegrationDialog } from './IntegrationDialog';
import { Switch } from './Switch';
import { useToast } from './Toasts';

/** How many deliveries the log shows. */
export const DELIVERY_LOG_LIMIT = 50;

/** Codes this section says in its own words (the core's message is in English only). */
const OWN_WORDS = ['CONFIGURATION', 'OFFLINE'] as const;

function errorMessage(t: Translate, error: ErrorPayload): string | undefined {
  return (OWN_WORDS as readonly string[]).includes(error.code)
    ? t(`realtime.error.${error.code as (typeof OWN_WORDS)[number]}`)
    : undefined;
}

type Load = { state: 'loading' } | { state: 'loaded'; status: RealtimeOrders } | { state: 'failed'; error: ErrorPayload };

export function RealtimeOrdersSection({ integration }: { integration: Integration }) {
  const { t, formatDate } = usePreferences();
  const notify = useToast();
  const asError = useBackendError();
  const { connectivity, offline, refresh: refreshConnectivity } = useConnectivity();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [showLog, setShowLog] = useState(false);
  const hintId = useId();
  const id = integration.id;

  const reload = useCallback(() => {
    setLoad({ state: 'loading' });
    backend.realtimeOrders(id).then(
      (status) => setLoad({ state: 'loaded', status }),
      (err: unknown) => setLoad({ state: 'failed', error: asError(err) }),
    );
  }, [asError, id]);
  useEffect(reload, [reload]);

  const change = (enabled: boolean) => {
    setPending(true);
    setError(null);
    backend
      .setRealtimeOrders(id, enabled)
      .then(
        (status) => {
          setLoad({ state: 'loaded', status });
          notify('success', t(enabled ? 'realtime.turnedOn' : 'realtime.turnedOff', { name: integration.name }));
        },
        (err: unknown) => {
          const failed = asError(err);
          setError(failed);
          if (failed.code === 'OFFLINE') refreshConnectivity();
        },
      )
      .finally(() => setPending(false));
  };

  const standalone = connectivity.mode === 'STANDALONE';
  const status = load.state === 'loaded' ? load.status : null;
  // Turning off stays possible whatever happened to the server's address since.
  const canChange = status !== null && (status.available || status.enabled) && !offline;
  let why: string | null = null;
  if (status && !status.available && !status.enabled) why = t(standalone ? 'realtime.standalone' : 'realtime.noPublicUrl');

  return (
    <section
      className="card flex flex-col gap-3 p-6"
      aria-labelledby={`${hintId}-title`}
      data-testid="realtime-orders"
    >
      <div className="flex items-start gap-4">
        <div className="min-w-0 flex-1">
          <h2 id={`${hintId}-title`} className="m-0 text-base">
            {t('realtime.title')}
          </h2>
          <p id={hintId} className="m-0 mt-1 text-sm text-muted">
            {t('realtime.hint')}
          </p>
        </div>
        {status && (
          <div className="flex flex-none items-center gap-2 pt-0.5">
            <span className="text-sm text-muted" aria-hidden="true">
              {t(status.enabled ? 'realtime.on' : 'realtime.off')}
            </span>
            <Switch
              checked={status.enabled}
              label={t('realtime.switch', { name: integration.name })}
              disabled={!canChange || pending}
              describedBy={hintId}
              onChange={change}
            />
          </div>
        )}
      </div>

      <LoadStatus load={load} loading={t('realtime.loading')} message={(e) => errorMessage(t, e)} onRetry={reload} />
      {why && (
        <p className="m-0 rounded-lg bg-subtle px-3 py-2 text-sm text-muted" data-testid="realtime-unavailable">
          {why}
        </p>
      )}
      {error && <ErrorAlert error={error} message={errorMessage(t, error)} />}

      {status && !standalone && (
        <div className="flex flex-wrap items-center justify-between gap-3 border-t border-line pt-3">
          <p className="m-0 text-sm" data-testid="last-delivery">
            {status.lastDeliveryAt ? (
              t('realtime.lastDelivery', { time: formatDate(status.lastDeliveryAt) })
            ) : (
              <span className="text-muted">{t('realtime.noDelivery')}</span>
            )}
          </p>
          <button type="button" className="btn btn-sm" onClick={() => setShowLog(true)}>
            {t('realtime.showLog')}
          </button>
        </div>
      )}
      {showLog && <DeliveryLogDialog integration={integration} onClose={() => setShowLog(false)} />}
    </section>
  );
}

type LogLoad = { state: 'loading' } | { state: 'loaded'; deliveries: DeliveryRecord[] } | { state: 'failed'; error: ErrorPayload };

const KINDS = ['order', 'stock', 'customer', 'product', 'auto_call', 'unknown'] as const;
const OUTCOMES = ['stored', 'unchanged', 'ignored', 'unauthorized', 'too_large', 'not_json', 'wrong_shop', 'invalid'] as const;
const TAKEN: readonly string[] = ['stored', 'unchanged', 'ignored'];
const badgeOf = (outcome: string) =>
  outcome === 'stored' ? 'badge-succeeded' : TAKEN.includes(outcome) ? 'badge-none' : 'badge-failed';

/** A logged word in the user's language; one this UI does not know yet is shown as logged. */
function wordOf(t: Translate, prefix: 'deliveries.kind' | 'deliveries.outcome', known: readonly string[], value: string): string {
  return known.includes(value) ? t(`${prefix}.${value}` as MessageKey) : value;
}

/** The integration's recent deliveries: when, what, what became of it, and the order it was about. */
export function DeliveryLogDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const { t, formatDate } = usePreferences();
  const asError = useBackendError();
  const [load, setLoad] = useState<LogLoad>({ state: 'loading' });

  const reload = useCallback(() => {
    setLoad({ state: 'loading' });
    backend.webhookDeliveries(integration.id, DELIVERY_LOG_LIMIT).then(
      (deliveries) => setLoad({ state: 'loaded', deliveries }),
      (err: unknown) => setLoad({ state: 'failed', error: asError(err) }),
    );
  }, [asError, integration.id]);
  useEffect(reload, [reload]);

  return (
    <IntegrationDialog title={t('deliveries.title')} integration={integration} onClose={onClose} spacing="gap-4">
      {({ descriptionId }) => (
        <>
          <p id={descriptionId} className="m-0 text-sm text-muted">
            {t('deliveries.caption')}
          </p>
          <LoadStatus load={load} loading={t('deliveries.loading')} message={(e) => errorMessage(t, e)} onRetry={reload} />
          {load.state === 'loaded' && load.deliveries.length === 0 && (
            <EmptyList heading="h3" title={t('deliveries.empty')} hint={t('deliveries.emptyHint')} />
          )}
          {load.state === 'loaded' && load.deliveries.length > 0 && (
            <DataTable
              caption={t('deliveries.caption')}
              columns={[t('deliveries.time'), t('deliveries.kind'), t('deliveries.result'), t('deliveries.reference')]}
            >
              {load.deliveries.map((delivery, index) => (
                <tr key={`${delivery.receivedAt}-${index}`} data-outcome={delivery.outcome}>
                  <th scope="row" className="font-normal whitespace-nowrap">
                    <time dateTime={delivery.receivedAt}>{formatDate(delivery.receivedAt)}</time>
                  </th>
                  <td className="whitespace-nowrap">{wordOf(t, 'deliveries.kind', KINDS, delivery.kind)}</td>
                  <td>
                    <span className={`badge ${badgeOf(delivery.outcome)}`}>
                      {wordOf(t, 'deliveries.outcome', OUTCOMES, delivery.outcome)}
                    </span>
                  </td>
                  <td className="font-mono text-sm tabular-nums">
                    {delivery.reference ?? <span className="text-muted">{t('table.noError')}</span>}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </>
      )}
    </IntegrationDialog>
  );
}
