import { useConnectivity } from '../connectivity';
import { useT } from '../i18n';
import { syncOf, useSync } from '../sync';
import type { Integration } from '../types';
import { SyncIcon } from './SyncProgressBar';

/**
 * "Sync now" for one integration. Disabled, saying why, while it is turned off or the server
 * cannot be reached; "Syncing…" (the icon turning) from the click until its run ends.
 * `iconOnly`: the compact form of the table's last-sync cell, its words in the tooltip.
 */
export function SyncNowButton({
  integration,
  className = 'btn',
  iconOnly = false,
}: {
  integration: Integration;
  className?: string;
  iconOnly?: boolean;
}) {
  const t = useT();
  const sync = useSync();
  const { offline } = useConnectivity();
  const { busy } = syncOf(sync, integration.id);
  const reason = !integration.enabled
    ? t('sync.turnOnFirst')
    : offline
      ? t('connectivity.needsServer')
      : undefined;
  const words = busy ? t('sync.syncing') : t('sync.now');
  return (
    <button
      type="button"
      className={iconOnly ? `${className} btn-icon` : className}
      aria-label={t(busy ? 'sync.progressFor' : 'sync.nowFor', { name: integration.name })}
      disabled={busy || reason !== undefined}
      title={reason ?? (iconOnly ? words : undefined)}
      onClick={() => sync.syncNow(integration)}
    >
      <SyncIcon className={iconOnly ? 'h-4 w-4' : 'h-3.5 w-3.5'} spinning={busy} />
      {!iconOnly && words}
    </button>
  );
}
