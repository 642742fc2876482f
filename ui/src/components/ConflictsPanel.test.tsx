import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { BackendError } from '../backend';
import { connectivity, integration } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import type { ChangeConflict } from '../types';
import { ConflictsPanel } from './ConflictsPanel';

const renamed: ChangeConflict = {
  seq: 7,
  integrationId: 'shop-1',
  integrationName: 'Shop thời trang',
  mine: { name: 'Shop thời trang Quận 1', description: null },
  server: integration({ id: 'shop-1', name: 'Shop thời trang (máy khác)', description: 'Sửa từ máy khác', enabled: false }),
  queuedAt: '2025-06-02T08:15:00Z',
};
const deleted: ChangeConflict = {
  seq: 9,
  integrationId: 'shop-2',
  integrationName: 'Giày dép Sài Gòn',
  mine: { enabled: false },
  server: null,
  queuedAt: '2025-06-02T08:20:00Z',
};

function setup(conflicts: ChangeConflict[], language: 'en' | 'vi' = 'en') {
  const accept = vi.fn();
  const refresh = vi.fn();
  const user = userEvent.setup();
  renderWithProviders(<ConflictsPanel />, { language }, { mode: 'ONLINE', conflicts }, { accept, refresh });
  return { accept, refresh, user };
}

describe('ConflictsPanel', () => {
  it('is absent when there is nothing to decide', () => {
    setup([]);
    expect(screen.queryByRole('region', { name: 'Changes that need your decision' })).not.toBeInTheDocument();
  });

  it('shows my offline change next to the server’s version', () => {
    setup([renamed]);
    const panel = screen.getByRole('region', { name: 'Changes that need your decision' });
    const item = within(panel).getByRole('article', { name: 'Shop thời trang' });
    expect(within(item).getByTestId('conflict-mine')).toHaveTextContent(
      'Your change (offline)Name → “Shop thời trang Quận 1”Description cleared',
    );
    const server = within(item).getByTestId('conflict-server');
    expect(server).toHaveTextContent('Now on the server');
    expect(server).toHaveTextContent('Shop thời trang (máy khác)');
    expect(server).toHaveTextContent('Sửa từ máy khác');
    expect(server).toHaveTextContent('EnabledOff');
  });

  it('keeps mine: resolve_conflict with the seq and MINE, and takes the answer', async () => {
    const after = connectivity({ mode: 'ONLINE', dataVersion: 12 });
    api.resolveConflict.mockResolvedValue(after);
    const { accept, user } = setup([renamed]);
    await user.click(screen.getByRole('button', { name: 'Keep mine' }));
    expect(api.resolveConflict).toHaveBeenCalledWith(7, 'MINE');
    expect(accept).toHaveBeenCalledWith(after);
    expect(await screen.findByText('Kept your change to “Shop thời trang”.')).toBeInTheDocument();
  });

  it('keeps the server’s version', async () => {
    api.resolveConflict.mockResolvedValue(connectivity({ mode: 'ONLINE' }));
    const { user } = setup([renamed]);
    await user.click(screen.getByRole('button', { name: 'Keep server’s' }));
    expect(api.resolveConflict).toHaveBeenCalledWith(7, 'SERVER');
  });

  it('deleted on the server: only "Discard my change", which keeps the server’s side', async () => {
    api.resolveConflict.mockResolvedValue(connectivity({ mode: 'ONLINE' }));
    const { user } = setup([renamed, deleted]);
    const item = screen.getByRole('article', { name: 'Giày dép Sài Gòn' });
    expect(within(item).getByTestId('conflict-mine')).toHaveTextContent('Turned off');
    expect(within(item).getByTestId('conflict-server')).toHaveTextContent('Deleted on the server');
    expect(within(item).queryByRole('button', { name: 'Keep mine' })).not.toBeInTheDocument();
    await user.click(within(item).getByRole('button', { name: 'Discard my change' }));
    expect(api.resolveConflict).toHaveBeenCalledWith(9, 'SERVER');
    expect(await screen.findByText('Discarded your change to “Giày dép Sài Gòn”.')).toBeInTheDocument();
  });

  it('shows an OFFLINE refusal like any error and asks for the connectivity again', async () => {
    api.resolveConflict.mockRejectedValue(
      new BackendError({ code: 'OFFLINE', message: 'The shared database cannot be reached right now.' }),
    );
    const { accept, refresh, user } = setup([renamed]);
    await user.click(screen.getByRole('button', { name: 'Keep mine' }));
    expect(await screen.findByText('The shared database cannot be reached right now.')).toBeInTheDocument();
    expect(accept).not.toHaveBeenCalled();
    expect(refresh).toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Keep mine' })).toBeEnabled();
  });

  it('speaks Vietnamese', () => {
    setup([renamed, deleted], 'vi');
    expect(screen.getByRole('heading', { name: 'Thay đổi cần bạn quyết định' })).toBeInTheDocument();
    expect(screen.getAllByText('Thay đổi của bạn (khi ngoại tuyến)')).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Giữ thay đổi của tôi' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Giữ bản trên máy chủ' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Bỏ thay đổi của tôi' })).toBeInTheDocument();
    expect(screen.getByText('Đã bị xoá trên máy chủ')).toBeInTheDocument();
  });
});
