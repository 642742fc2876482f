//! The main screen: the two provider cards, then "All Integrations". Test, enable/disable and
//! delete happen here and report through toasts; the list is refreshed from what the core
//! returns, never guessed. In shared mode it also reloads (quietly) whenever the core says the
//! data moved, and shows the offline edits that wait for a decision above everything else.
//! Syncs are asked for here ("Sync all now", each row's "Sync now"); when one ends the list is
//! reloaded quietly, so its last sync, status and last error are the core's.

import { useCallback, useEffect, useRef, useState } from 'react';

import { backend } from '../backend';
import { useConnectivity, useDataChanged } from '../connectivity';
import { useT } from '../i18n';
import { useBackendError } from '../session';
import { useSync, useSyncFinished } from '../sync';
import type { ErrorPayload, Integration, Provider } from '../types';
import { ConflictsPanel } from './ConflictsPanel';
import { DeleteDialog } from './DeleteDialog';
import { ErrorAlert } from './ErrorAlert';
import { IntegrationsTable } from './IntegrationsTable';
import { LoadingFrame } from './LoadingFrame';
import { PageHeader } from './PageHeader';
import { MetaCard, PancakeCard, type Busy } from './ProviderCards';
import { SyncHistoryDialog } from './SyncHistoryDialog';
import { SyncIcon } from './SyncProgressBar';
import { useToast } from './Toasts';

type Load =
  | { state: 'loading' }
  | { state: 'loaded'; integrations: Integration[] }
  | { state: 'failed'; error: ErrorPayload };

interface Props {
  onConnect: (provider: Provider) => void;
  onEdit: (integration: Integration) => void;
}

export function IntegrationsPage({ onConnect, onEdit }: Props) {
  const t = useT();
  const notify = useToast();
  const asError = useBackendError();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [busy, setBusy] = useState<Record<string, Busy | undefined>>({});
  const [deleting, setDeleting] = useState<Integration | null>(null);
  const [historyId, setHistoryId] = useState<string | null>(null);
  const { offline, refresh: refreshConnectivity } = useConnectivity();
  const sync = useSync();
  /** Only the answer to the latest request is shown, whatever order they come back in. */
  const latest = useRef(0);

  const refresh = useCallback(() => {
    const request = ++latest.current;
    setLoad({ state: 'loading' });
    backend.listIntegrations().then(
      (integrations) => {
        if (request === latest.current) setLoad({ state: 'loaded', integrations });
      },
      (err: unknown) => {
        const error = asError(err);
        if (request === latest.current) setLoad({ state: 'failed', error });
      },
    );
  }, [asError]);

  useEffect(refresh, [refresh]);

  // The data moved underneath (mirror pulled, queued edit applied, went offline or online, a sync
  // ended): reload in place, keeping the list on screen. A failure here keeps what is shown;
  // Refresh says more.
  const reloadQuietly = () => {
    const request = ++latest.current;
    backend.listIntegrations().then(
      (integrations) => {
        if (request === latest.current) setLoad({ state: 'loaded', integrations });
      },
      (err: unknown) => {
        asError(err);
      },
    );
  };
  useDataChanged(reloadQuietly);
  useSyncFinished(reloadQuietly);

  const replace = (updated: Integration) =>
    setLoad((current) =>
      current.state === 'loaded'
        ? { ...current, integrations: current.integrations.map((i) => (i.id === updated.id ? updated : i)) }
        : current,
    );
  const remove = (id: string) =>
    setLoad((current) =>
      current.state === 'loaded'
        ? { ...current, integrations: current.integrations.filter((i) => i.id !== id) }
        : current,
    );

  /** Runs one action on one integration, marking it busy; failures become an error toast. */
  const run = async (integration: Integration, kind: Busy, action: () => Promise<void>) => {
    setBusy((b) => ({ ...b, [integration.id]: kind }));
    try {
      await action();
    } catch (err) {
      const error = asError(err);
      notify('error', error.message);
      if (error.code === 'OFFLINE') refreshConnectivity();
    } finally {
      setBusy((b) => ({ ...b, [integration.id]: undefined }));
    }
  };

  const onTest = (integration: Integration) =>
    void run(integration, 'test', async () => {
      const result = await backend.testConnection(integration.id);
      replace(result.integration);
      notify(
        result.success ? 'success' : 'error',
        t(result.success ? 'toast.testPassed' : 'toast.testFailed', { message: result.message }),
      );
    });

  const onToggle = (integration: Integration, enabled: boolean) =>
    void run(integration, 'toggle', async () => {
      const updated = await (enabled
        ? backend.enableIntegration(integration.id)
        : backend.disableIntegration(integration.id));
      replace(updated);
      // Offline, the core queued it: say so, and fetch the outbox so the row shows it waits.
      const message = offline
        ? enabled ? 'toast.enabledOffline' : 'toast.disabledOffline'
        : enabled ? 'toast.enabled' : 'toast.disabled';
      notify('success', t(message, { name: updated.name }));
      refreshConnectivity();
    });

  const confirmDelete = async () => {
    if (!deleting) return;
    const integration = deleting;
    await run(integration, 'delete', async () => {
      await backend.deleteIntegration(integration.id);
      remove(integration.id);
      notify('success', t('delete.done', { name: integration.name }));
    });
    setDeleting(null);
  };

  const integrations = load.state === 'loaded' ? load.integrations : [];
  const meta = integrations.find((i) => i.provider === 'META_ADS');
  const stores = integrations.filter((i) => i.provider === 'PANCAKE_POS');
  const history = historyId ? integrations.find((i) => i.id === historyId) : undefined;
  const anyEnabled = integrations.some((i) => i.enabled);
  const syncAllReason = offline
    ? t('connectivity.needsServer')
    : load.state === 'loaded' && !anyEnabled
      ? t('sync.noneEnabled')
      : undefined;

  return (
    <div className="flex flex-col gap-6" aria-busy={load.state === 'loading'}>
      <PageHeader title={t('list.title')} lead={t('list.lead')}>
        <div className="flex flex-wrap gap-2">
          <button type="button" className="btn" onClick={refresh} disabled={load.state === 'loading'}>
            ↻ {t('list.refresh')}
          </button>
          {integrations.length > 0 && (
            <button
              type="button"
              className="btn btn-primary"
              disabled={sync.askingAll || syncAllReason !== undefined}
              title={syncAllReason}
              onClick={() => sync.syncAll(integrations)}
            >
              <SyncIcon className="h-4 w-4" spinning={sync.askingAll} />
              {sync.askingAll ? t('sync.asking') : t('sync.all')}
            </button>
          )}
        </div>
      </PageHeader>

      <ConflictsPanel />

      {load.state === 'failed' && (
        <ErrorAlert error={load.error} onRetry={refresh} />
      )}

      {load.state === 'loading' && <Skeleton label={t('list.loading')} />}

      {load.state === 'loaded' && (
        <>
          <div className="grid gap-4 md:grid-cols-2">
            <MetaCard
              integration={meta}
              busy={meta ? busy[meta.id] : undefined}
              onConnect={() => onConnect('META_ADS')}
              onEdit={onEdit}
              onTest={onTest}
              onToggle={onToggle}
              onHistory={(integration) => setHistoryId(integration.id)}
            />
            <PancakeCard stores={stores} onConnect={() => onConnect('PANCAKE_POS')} />
          </div>
          <section aria-labelledby="all-integrations" className="flex flex-col gap-3">
            <div className="flex items-center gap-2">
              <h2 id="all-integrations" className="m-0 text-lg">
                {t('list.all')}
              </h2>
              {integrations.length > 0 && (
                <span className="badge badge-plain" aria-hidden="true">
                  {integrations.length}
                </span>
              )}
            </div>
            <IntegrationsTable
              integrations={integrations}
              busy={busy}
              onEdit={onEdit}
              onTest={onTest}
              onToggle={onToggle}
              onDelete={setDeleting}
              onHistory={(integration) => setHistoryId(integration.id)}
            />
          </section>
        </>
      )}

      {history && <SyncHistoryDialog integration={history} onClose={() => setHistoryId(null)} />}

      {deleting && (
        <DeleteDialog integration={deleting} onCancel={() => setDeleting(null)} onConfirm={confirmDelete} />
      )}
    </div>
  );
}

function Skeleton({ label }: { label: string }) {
  return (
    <LoadingFrame label={label}>
      <div className="grid gap-4 md:grid-cols-2" aria-hidden="true">
        {[0, 1].map((i) => (
          <div key={i} className="card flex flex-col gap-3 p-5">
            <div className="flex gap-3">
              <div className="skeleton h-10 w-10" />
              <div className="flex flex-1 flex-col gap-2">
                <div className="skeleton h-4 w-1/3" />
                <div className="skeleton h-3 w-2/3" />
              </div>
            </div>
            <div className="skeleton h-16 w-full" />
            <div className="skeleton h-8 w-40" />
          </div>
        ))}
      </div>
      <div className="card flex flex-col gap-3 p-5" aria-hidden="true">
        {[0, 1, 2].map((i) => (
          <div key={i} className="skeleton h-6 w-full" />
        ))}
      </div>
    </LoadingFrame>
  );
}
