import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { integration } from '../test/fakeBackend';
import { renderWithProviders } from '../test/render';
import { IntegrationsTable } from './IntegrationsTable';
import { StatusBadge } from './StatusBadge';

const failing = integration({
  name: 'Shop thời trang Hà Nội',
  description: 'Cửa hàng chính',
  status: 'ERROR',
  enabled: false,
  lastError: 'Khóa API không hợp lệ hoặc đã bị thu hồi trên Pancake POS, hãy tạo khoá mới.',
  lastSyncAt: null,
});
const synced = integration({
  name: 'Quảng cáo Meta',
  provider: 'META_ADS',
  config: { adAccountId: 'act_1' },
  lastSyncAt: '2025-03-04T05:06:00Z',
});

describe('IntegrationsTable', () => {
  it('shows the empty state when there are no integrations', () => {
    renderWithProviders(<IntegrationsTable integrations={[]} />);
    expect(screen.getByRole('heading', { name: 'No integrations yet' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows the Vietnamese empty state', () => {
    renderWithProviders(<IntegrationsTable integrations={[]} />, { language: 'vi' });
    expect(screen.getByRole('heading', { name: 'Chưa có tích hợp nào' })).toBeInTheDocument();
  });

  it('lists each integration with provider, status, never-synced text and the full error in the title', () => {
    renderWithProviders(<IntegrationsTable integrations={[failing, synced]} />);
    expect(screen.getAllByRole('row')).toHaveLength(3);
    const row = within(screen.getByRole('row', { name: /Shop thời trang Hà Nội/ }));
    expect(row.getByText('Shop thời trang Hà Nội')).toBeInTheDocument();
    expect(row.getByText('Cửa hàng chính')).toBeInTheDocument();
    expect(row.getByText('Pancake POS')).toBeInTheDocument();
    expect(row.getByText('Error')).toHaveClass('badge-error');
    expect(row.getByText('Never')).toBeInTheDocument();
    expect(row.getByText(failing.lastError!)).toHaveAttribute('title', failing.lastError);
    expect(row.getByRole('switch', { name: 'Enabled: Shop thời trang Hà Nội' })).toHaveAttribute('aria-checked', 'false');

    const metaRow = within(screen.getByRole('row', { name: /Quảng cáo Meta/ }));
    expect(metaRow.getByText('Meta Ads')).toBeInTheDocument();
    expect(metaRow.getByRole('switch')).toHaveAttribute('aria-checked', 'true');
    expect(metaRow.getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute('dateTime', '2025-03-04T05:06:00Z');
  });

  it('says "Chưa đồng bộ" for a never-synced integration in Vietnamese', () => {
    renderWithProviders(<IntegrationsTable integrations={[failing]} />, { language: 'vi' });
    expect(screen.getByText('Chưa đồng bộ')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Xoá Shop thời trang Hà Nội' })).toHaveTextContent('Xoá');
    expect(screen.getByRole('button', { name: 'Chỉnh sửa Shop thời trang Hà Nội' })).toBeInTheDocument();
  });

  it('toggles with the switch from the keyboard and names the row in every action', async () => {
    const onToggle = vi.fn();
    const onEdit = vi.fn();
    const onDelete = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(
      <IntegrationsTable integrations={[failing, synced]} onToggle={onToggle} onEdit={onEdit} onDelete={onDelete} />,
    );
    screen.getByRole('switch', { name: 'Enabled: Shop thời trang Hà Nội' }).focus();
    await user.keyboard(' ');
    expect(onToggle).toHaveBeenLastCalledWith(failing, true);
    screen.getByRole('switch', { name: 'Enabled: Quảng cáo Meta' }).focus();
    await user.keyboard('{Enter}');
    expect(onToggle).toHaveBeenLastCalledWith(synced, false);
    await user.click(screen.getByRole('button', { name: 'Edit Quảng cáo Meta' }));
    expect(onEdit).toHaveBeenCalledWith(synced);
    await user.click(screen.getByRole('button', { name: 'Delete Shop thời trang Hà Nội' }));
    expect(onDelete).toHaveBeenCalledWith(failing);
  });
});

describe('StatusBadge', () => {
  it('names the status in words, not only in colour', () => {
    renderWithProviders(<StatusBadge status="ACTIVE" />);
    expect(screen.getByText('Active')).toHaveClass('badge', 'badge-active');
  });
});
