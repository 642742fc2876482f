// "Sync now" and "Sync all now": usable only when the integration is on and the server answers;
// otherwise disabled, saying why. While a run goes, the button says so and cannot be pressed again.

import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { describe, expect, it, vi } from 'vitest';

import { SyncContext, syncState, type SyncState } from '../sync';
import { integration, progress } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import type { Connectivity } from '../types';
import { IntegrationsPage } from './IntegrationsPage';
import { IntegrationsTable } from './IntegrationsTable';
import { MetaCard } from './ProviderCards';

const NEEDS_SERVER = 'Needs the server — you are offline';
const shop = integration({ id: 'shop-1', name: 'Shop thời trang', lastSyncAt: '2025-06-02T08:15:00Z' });
const off = integration({ id: 'shop-2', name: 'Mỹ phẩm Hà Nội', enabled: false, status: 'DISABLED' });
const meta = integration({ id: 'meta-1', provider: 'META_ADS', name: 'Quảng cáo', config: { adAccountId: 'act_9' } });

function withSync(ui: ReactElement, state: Partial<SyncState>, language: 'en' | 'vi' = 'en', connectivity?: Partial<Connectivity>) {
  return renderWithProviders(<SyncContext.Provider value={syncState(state)}>{ui}</SyncContext.Provider>, { language }, connectivity);
}

describe('Sync now', () => {
  it('asks for the row’s integration', async () => {
    const syncNow = vi.fn();
    withSync(<IntegrationsTable integrations={[shop, off]} />, { syncNow });
    const button = screen.getByRole('button', { name: 'Sync now: Shop thời trang' });
    expect(button).toBeEnabled();
    expect(button).toHaveAttribute('title', 'Sync now');
    await userEvent.click(button);
    expect(syncNow).toHaveBeenCalledWith(shop);
  });

  it('is disabled for an integration that is off: "Turn it on to sync"', () => {
    withSync(<IntegrationsTable integrations={[shop, off]} />, {});
    const button = screen.getByRole('button', { name: 'Sync now: Mỹ phẩm Hà Nội' });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('title', 'Turn it on to sync');
  });

  it('says it in Vietnamese', () => {
    withSync(<IntegrationsTable integrations={[shop, off]} />, {}, 'vi');
    expect(screen.getByRole('button', { name: 'Đồng bộ ngay: Mỹ phẩm Hà Nội' })).toHaveAttribute('title', 'Bật tích hợp để đồng bộ');
    expect(screen.getByRole('button', { name: 'Đồng bộ ngay: Shop thời trang' })).toHaveAttribute('title', 'Đồng bộ ngay');
    expect(screen.getByRole('button', { name: 'Lịch sử đồng bộ: Shop thời trang' })).toHaveTextContent('Lịch sử');
  });

  it('is disabled offline with the offline reason, in the table and on the Meta card', () => {
    withSync(
      <>
        <MetaCard integration={meta} onConnect={vi.fn()} onEdit={vi.fn()} onTest={vi.fn()} onToggle={vi.fn()} />
        <IntegrationsTable integrations={[shop]} />
      </>,
      {},
      'en',
      { mode: 'OFFLINE' },
    );
    for (const name of ['Sync now: Shop thời trang', 'Sync now: Quảng cáo']) {
      const button = screen.getByRole('button', { name });
      expect(button).toBeDisabled();
      expect(button).toHaveAttribute('title', NEEDS_SERVER);
    }
    // The history reads from the mirror: still there.
    expect(screen.getByRole('button', { name: 'Sync history: Shop thời trang' })).toBeEnabled();
  });

  it('while the run goes: "Syncing…", disabled, and the progress where the last sync was', () => {
    const activity = new Map([
      ['meta-1', progress({ integrationId: 'meta-1', integrationName: 'Quảng cáo', stream: 'insights', records: 1500, done: 2, total: 5 })],
    ]);
    withSync(
      <>
        <MetaCard integration={meta} onConnect={vi.fn()} onEdit={vi.fn()} onTest={vi.fn()} onToggle={vi.fn()} />
        <IntegrationsTable integrations={[shop, meta]} />
      </>,
      { activity, requested: new Set(['shop-1']) },
      'vi',
    );
    const card = screen.getByRole('region', { name: 'Meta Ads' });
    const cardButton = within(card).getByRole('button', { name: 'Đang đồng bộ Quảng cáo' });
    expect(cardButton).toBeDisabled();
    expect(cardButton).toHaveTextContent('Đang đồng bộ…');
    expect(within(card).getByRole('progressbar')).toHaveAttribute('aria-valuetext', 'Số liệu quảng cáo: 1.500 bản ghi');

    const metaRow = within(screen.getByRole('row', { name: /Quảng cáo/ }));
    expect(metaRow.getByRole('progressbar', { name: 'Đang đồng bộ Quảng cáo' })).toHaveAttribute('aria-valuenow', '2');
    expect(metaRow.getByRole('button', { name: 'Đang đồng bộ Quảng cáo' })).toBeDisabled();
    // Asked, not started: "Đang bắt đầu…" instead of the last sync time.
    const shopRow = within(screen.getByRole('row', { name: /Shop thời trang/ }));
    expect(shopRow.getByText('Đang bắt đầu…')).toBeInTheDocument();
    expect(shopRow.queryByText((_, el) => el?.tagName === 'TIME')).not.toBeInTheDocument();
    expect(shopRow.getByRole('button', { name: 'Đang đồng bộ Shop thời trang' })).toBeDisabled();
  });

  it('a finished run leaves the row as before', () => {
    const activity = new Map([
      ['shop-1', progress({ integrationId: 'shop-1', stream: '', records: 540, done: 1, total: 1, outcome: 'SUCCEEDED' })],
    ]);
    withSync(<IntegrationsTable integrations={[shop]} />, { activity });
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sync now: Shop thời trang' })).toBeEnabled();
    expect(screen.getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute('dateTime', '2025-06-02T08:15:00Z');
  });
});

describe('Sync all now', () => {
  it('is disabled offline, with the offline reason', async () => {
    api.listIntegrations.mockResolvedValue([shop, off]);
    renderWithProviders(<IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />, {}, { mode: 'OFFLINE' });
    const button = await screen.findByRole('button', { name: 'Sync all now' });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('title', NEEDS_SERVER);
  });

  it('is disabled when every integration is off', async () => {
    api.listIntegrations.mockResolvedValue([off]);
    renderWithProviders(<IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />, { language: 'vi' });
    const button = await screen.findByRole('button', { name: 'Đồng bộ tất cả' });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('title', 'Hãy bật ít nhất một tích hợp để đồng bộ');
  });

  it('is not offered before there is anything to sync', async () => {
    api.listIntegrations.mockResolvedValue([]);
    renderWithProviders(<IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />);
    await screen.findByText('No integrations yet');
    expect(screen.queryByRole('button', { name: 'Sync all now' })).not.toBeInTheDocument();
  });
});
