import type { ReactNode } from 'react';

import { useConnectivity } from '../connectivity';
import { usePreferences } from '../i18n';
import { syncOf, useSync } from '../sync';
import type { Integration } from '../types';
import { DataTable } from './DataTable';
import type { Busy } from './ProviderCards';
import { QueuedBadge } from './QueuedBadge';
import { StatusBadge } from './StatusBadge';
import { Switch } from './Switch';
import { SyncNowButton } from './SyncNowButton';
import { SyncProgressBar } from './SyncProgressBar';
import { TestButton } from './TestButton';

interface Props {
  integrations: Integration[];
  busy?: Record<string, Busy | undefined>;
  onEdit?: (integration: Integration) => void;
  onTest?: (integration: Integration) => void;
  onToggle?: (integration: Integration, enabled: boolean) => void;
  onDelete?: (integration: Integration) => void;
  onHistory?: (integration: Integration) => void;
}

const noop = () => undefined;

/**
 * "All Integrations": every integration of the workspace, with its actions. Offline, the actions
 * that need the server (sync, test, delete) are disabled and say why; rows whose edit waits in
 * the outbox are marked. While an integration syncs, its last-sync cell shows the progress.
 */
export function IntegrationsTable({
  integrations,
  busy = {},
  onEdit = noop,
  onTest = noop,
  onToggle = noop,
  onDelete = noop,
  onHistory = noop,
}: Props) {
  const { t, formatDate } = usePreferences();
  const { offline, queuedIds } = useConnectivity();
  const sync = useSync();
  const needsServer = offline ? t('connectivity.needsServer') : undefined;
  if (integrations.length === 0) {
    return (
      <div className="card flex flex-col items-center gap-1 px-6 py-10 text-center">
        <span aria-hidden="true" className="mb-2 text-3xl text-muted">
          ⇄
        </span>
        <h3 className="m-0 text-base">{t('list.empty')}</h3>
        <p className="m-0 max-w-md text-sm text-muted">{t('list.emptyHint')}</p>
      </div>
    );
  }
  return (
    <DataTable
      className="card overflow-x-auto"
      caption={t('list.all')}
      columns={[
        t('table.name'),
        t('table.provider'),
        t('table.status'),
        t('table.enabled'),
        t('table.lastSync'),
        t('table.lastError'),
        { label: t('table.actions'), className: 'text-right' },
      ]}
    >
      {integrations.map((integration) => {
        const rowBusy = busy[integration.id];
        const syncing = syncOf(sync, integration.id);
        return (
          <tr key={integration.id}>
            <th scope="row" className="font-normal">
              <span className="block max-w-[12.5rem] truncate font-semibold" title={integration.name}>
                {integration.name}
              </span>
              {integration.description && (
                <span className="block max-w-[12.5rem] truncate text-xs text-muted" title={integration.description}>
                  {integration.description}
                </span>
              )}
            </th>
            <td className="whitespace-nowrap">{t(`provider.${integration.provider}`)}</td>
            <td>
              <span className="flex flex-wrap items-center gap-1.5">
                <StatusBadge status={integration.status} />
                {queuedIds.has(integration.id) && <QueuedBadge />}
              </span>
            </td>
            <td>
              <Switch
                checked={integration.enabled}
                label={t('table.enabledFor', { name: integration.name })}
                disabled={rowBusy === 'toggle'}
                onChange={(enabled) => onToggle(integration, enabled)}
              />
            </td>
            <td className="text-muted">
              <div className="flex items-center gap-1">
                <div className="min-w-0 flex-1">
                  {syncing.busy ? (
                    <SyncProgressBar name={integration.name} progress={syncing.progress} className="text-fg" />
                  ) : integration.lastSyncAt ? (
                    <time className="whitespace-nowrap" dateTime={integration.lastSyncAt}>
                      {formatDate(integration.lastSyncAt)}
                    </time>
                  ) : (
                    <span className="whitespace-nowrap">{t('table.never')}</span>
                  )}
                </div>
                <SyncNowButton integration={integration} className="btn btn-ghost btn-sm flex-none" iconOnly />
              </div>
            </td>
            <td className="max-w-[8.5rem]">
              {integration.lastError ? (
                <span className="block truncate text-danger" title={integration.lastError}>
                  {integration.lastError}
                </span>
              ) : (
                <span className="text-muted">{t('table.noError')}</span>
              )}
            </td>
            <td className="text-right whitespace-nowrap">
              <div className="row-actions inline-flex gap-0.5">
                <RowAction label={t('sync.historyFor', { name: integration.name })} onClick={() => onHistory(integration)}>
                  {t('sync.history')}
                </RowAction>
                <RowAction label={t('table.editFor', { name: integration.name })} onClick={() => onEdit(integration)}>
                  {t('common.edit')}
                </RowAction>
                <TestButton
                  integration={integration}
                  testing={rowBusy === 'test'}
                  label={t('table.test')}
                  ariaLabel={t('table.testFor', { name: integration.name })}
                  className="btn btn-ghost btn-sm"
                  onTest={onTest}
                />
                <RowAction
                  label={t('table.deleteFor', { name: integration.name })}
                  danger
                  disabled={offline}
                  title={needsServer}
                  onClick={() => onDelete(integration)}
                >
                  {t('common.delete')}
                </RowAction>
              </div>
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}

/** One of a row's actions; its accessible name says which integration it acts on. */
function RowAction({
  label,
  danger = false,
  disabled,
  title,
  onClick,
  children,
}: {
  label: string;
  danger?: boolean;
  disabled?: boolean;
  title?: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className={danger ? 'btn btn-ghost-danger btn-sm' : 'btn btn-ghost btn-sm'}
      aria-label={label}
      disabled={disabled}
      title={title}
      onClick={onClick}
    >
      {children}
    </button>
  );
}
