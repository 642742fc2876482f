//! The two provider cards above the table: Meta Ads (at most one per workspace) on the left,
//! Pancake POS (one integration per store) on the right.

import type { ReactNode } from 'react';

import { useConnectivity } from '../connectivity';
import { usePreferences, useT } from '../i18n';
import { syncOf, useSync } from '../sync';
import type { Integration } from '../types';
import { ClockIcon, QueuedBadge } from './QueuedBadge';
import { StatusBadge } from './StatusBadge';
import { SyncNowButton } from './SyncNowButton';
import { SyncIcon, SyncProgressBar } from './SyncProgressBar';
import { TestButton } from './TestButton';

export type Busy = 'test' | 'toggle' | 'delete';

function ProviderMark({ provider }: { provider: 'meta' | 'pancake' }) {
  return (
    <span
      aria-hidden="true"
      className="inline-flex h-10 w-10 flex-none items-center justify-center rounded-xl text-lg font-bold text-white"
      style={{ background: provider === 'meta' ? 'var(--meta)' : 'var(--pancake)' }}
    >
      {provider === 'meta' ? '∞' : 'P'}
    </span>
  );
}

/** Under a button that needs the server, while offline: why it cannot be used now. */
export function NeedsServer({ id }: { id: string }) {
  const t = useT();
  return (
    <p id={id} className="m-0 mt-2 text-xs text-muted">
      {t('connectivity.needsServer')}
    </p>
  );
}

const PROVIDER_OF = { meta: 'META_ADS', pancake: 'PANCAKE_POS' } as const;

/** A card's button to connect more: at the card's foot, disabled offline with the reason under it (`noteId`). */
function ConnectButton({
  noteId,
  className,
  onClick,
  children,
}: {
  noteId: string;
  className: string;
  onClick: () => void;
  children: ReactNode;
}) {
  const t = useT();
  const { offline } = useConnectivity();
  return (
    <div className="mt-auto">
      <button
        type="button"
        className={className}
        disabled={offline}
        title={offline ? t('connectivity.needsServer') : undefined}
        aria-describedby={offline ? noteId : undefined}
        onClick={onClick}
      >
        {children}
      </button>
      {offline && <NeedsServer id={noteId} />}
    </div>
  );
}

function CardShell({ provider, badge, children }: { provider: 'meta' | 'pancake'; badge: ReactNode; children: ReactNode }) {
  const t = useT();
  const labelId = `card-${provider}`;
  return (
    <section className="card flex flex-col gap-4 p-5" aria-labelledby={labelId}>
      <div className="flex items-start gap-3">
        <ProviderMark provider={provider} />
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h2 id={labelId} className="m-0 text-base">
              {t(`provider.${PROVIDER_OF[provider]}`)}
            </h2>
            {badge}
          </div>
          <p className="m-0 mt-0.5 text-sm text-muted">{t(`${provider}.description`)}</p>
        </div>
      </div>
      {children}
    </section>
  );
}

export function MetaCard({
  integration,
  busy,
  onConnect,
  onEdit,
  onTest,
  onToggle,
  onHistory = () => undefined,
}: {
  integration: Integration | undefined;
  busy?: Busy;
  onConnect: () => void;
  onEdit: (integration: Integration) => void;
  onTest: (integration: Integration) => void;
  onToggle: (integration: Integration, enabled: boolean) => void;
  onHistory?: (integration: Integration) => void;
}) {
  const { t, formatDate } = usePreferences();
  const { queuedIds } = useConnectivity();
  const sync = useSync();
  const syncing = integration ? syncOf(sync, integration.id) : null;
  return (
    <CardShell
      provider="meta"
      badge={
        <span className="flex flex-wrap items-center gap-1.5">
          {integration && queuedIds.has(integration.id) && <QueuedBadge />}
          <StatusBadge status={integration ? integration.status : null} />
        </span>
      }
    >
      {integration ? (
        <>
          <dl className="m-0 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 rounded-lg bg-subtle px-4 py-3 text-sm">
            <dt className="text-muted">{t('table.name')}</dt>
            <dd className="m-0 truncate font-semibold" title={integration.name}>
              {integration.name}
            </dd>
            <dt className="text-muted">{t('meta.adAccount')}</dt>
            <dd className="m-0 font-mono text-[0.85rem]">
              {'adAccountId' in integration.config ? integration.config.adAccountId : '—'}
            </dd>
            <dt className="text-muted">{t('table.lastSync')}</dt>
            <dd className="m-0 flex flex-wrap items-center gap-x-2" data-testid="meta-last-sync">
              {integration.lastSyncAt ? (
                <time dateTime={integration.lastSyncAt}>{formatDate(integration.lastSyncAt)}</time>
              ) : (
                <span className="text-muted">{t('table.never')}</span>
              )}
              <button
                type="button"
                className="btn btn-ghost btn-sm -my-1 text-accent"
                aria-label={t('sync.historyFor', { name: integration.name })}
                onClick={() => onHistory(integration)}
              >
                {t('sync.history')}
              </button>
            </dd>
          </dl>
          {syncing?.busy && <SyncProgressBar name={integration.name} progress={syncing.progress} />}
          <div className="mt-auto flex flex-wrap gap-2">
            <SyncNowButton integration={integration} />
            <button type="button" className="btn" onClick={() => onEdit(integration)}>
              {t('common.edit')}
            </button>
            <TestButton
              integration={integration}
              testing={busy === 'test'}
              label={t('common.test')}
              className="btn"
              onTest={onTest}
            />
            <button
              type="button"
              className="btn"
              disabled={busy === 'toggle'}
              onClick={() => onToggle(integration, !integration.enabled)}
            >
              {integration.enabled ? t('common.disable') : t('common.enable')}
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="m-0 text-sm text-muted">{t('meta.onlyOne')}</p>
          <ConnectButton noteId="meta-needs-server" className="btn btn-primary" onClick={onConnect}>
            {t('meta.connect')}
          </ConnectButton>
        </>
      )}
    </CardShell>
  );
}

export function PancakeCard({ stores, onConnect }: { stores: Integration[]; onConnect: () => void }) {
  const t = useT();
  const { queuedIds } = useConnectivity();
  const sync = useSync();
  const count = stores.length;
  const summary =
    count === 0 ? t('pancake.noStores')
    : t(count === 1 ? 'pancake.storeCountOne' : 'pancake.storeCountMany', { count });
  return (
    <CardShell provider="pancake" badge={<span className="badge badge-plain" data-testid="store-count">{summary}</span>}>
      {count > 0 && (
        <ul className="m-0 flex list-none flex-wrap gap-1.5 p-0" aria-label={summary}>
          {stores.slice(0, 6).map((store) => (
            <li
              key={store.id}
              className="flex max-w-[14rem] items-center gap-1 rounded-md bg-subtle px-2 py-0.5 text-sm"
              title={store.name}
            >
              <span className="truncate">{store.name}</span>
              {syncOf(sync, store.id).busy && (
                <span className="flex-none text-accent" title={t('sync.syncing')} data-testid="chip-syncing">
                  <SyncIcon className="h-3 w-3" spinning />
                  <span className="visually-hidden">{t('sync.syncing')}</span>
                </span>
              )}
              {queuedIds.has(store.id) && (
                <span className="flex-none text-accent" title={t('connectivity.queued')}>
                  <ClockIcon className="h-3 w-3" />
                  <span className="visually-hidden">{t('connectivity.queued')}</span>
                </span>
              )}
            </li>
          ))}
          {count > 6 && <li className="px-1 text-sm text-muted">+{count - 6}</li>}
        </ul>
      )}
      <ConnectButton noteId="pancake-needs-server" className={count === 0 ? 'btn btn-primary' : 'btn'} onClick={onConnect}>
        {count === 0 ? (
          t('pancake.connect')
        ) : (
          <>
            <span aria-hidden="true">+</span>
            {t('pancake.addStore')}
          </>
        )}
      </ConnectButton>
    </CardShell>
  );
}
