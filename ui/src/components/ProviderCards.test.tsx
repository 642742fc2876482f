import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { integration } from '../test/fakeBackend';
import { renderWithProviders } from '../test/render';
import { MetaCard, PancakeCard } from './ProviderCards';

const handlers = () => ({ onConnect: vi.fn(), onEdit: vi.fn(), onTest: vi.fn(), onToggle: vi.fn() });

describe('MetaCard', () => {
  it('offers to connect Meta Ads when there is none', async () => {
    const h = handlers();
    renderWithProviders(<MetaCard integration={undefined} {...h} />);
    expect(screen.getByText('Not connected')).toHaveClass('badge');
    await userEvent.click(screen.getByRole('button', { name: 'Connect Meta Ads' }));
    expect(h.onConnect).toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Edit' })).not.toBeInTheDocument();
  });

  it('shows the connected account with its status, ad account id and actions', async () => {
    const h = handlers();
    const meta = integration({
      provider: 'META_ADS',
      name: 'Quảng cáo Shop thời trang',
      config: { adAccountId: 'act_1234567890' },
      enabled: true,
    });
    renderWithProviders(<MetaCard integration={meta} {...h} />);
    expect(screen.getByText('Quảng cáo Shop thời trang')).toBeInTheDocument();
    expect(screen.getByText('act_1234567890')).toBeInTheDocument();
    expect(screen.getByText('Active')).toHaveClass('badge-active');
    expect(screen.queryByRole('button', { name: 'Connect Meta Ads' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Disable' }));
    expect(h.onToggle).toHaveBeenCalledWith(meta, false);
    await userEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect(h.onTest).toHaveBeenCalledWith(meta);
    await userEvent.click(screen.getByRole('button', { name: 'Edit' }));
    expect(h.onEdit).toHaveBeenCalledWith(meta);
  });

  it('offers Enable for a disabled integration, in Vietnamese too', () => {
    const meta = integration({ provider: 'META_ADS', config: { adAccountId: 'act_1' }, enabled: false, status: 'DISABLED' });
    renderWithProviders(<MetaCard integration={meta} {...handlers()} />, { language: 'vi' });
    expect(screen.getByRole('button', { name: 'Bật' })).toBeInTheDocument();
    expect(screen.getByText('Đã tắt')).toHaveClass('badge-disabled');
  });
});

describe('PancakeCard', () => {
  it('says "Connect Pancake POS" when no store is connected', () => {
    renderWithProviders(<PancakeCard stores={[]} onConnect={vi.fn()} />);
    expect(screen.getByTestId('store-count')).toHaveTextContent('No stores connected');
    expect(screen.getByRole('button', { name: 'Connect Pancake POS' })).toBeInTheDocument();
  });

  it('counts the stores and says "Add Another Store"', async () => {
    const onConnect = vi.fn();
    const stores = [integration({ name: 'Shop thời trang' }), integration({ name: 'Mỹ phẩm Hà Nội' })];
    renderWithProviders(<PancakeCard stores={stores} onConnect={onConnect} />);
    expect(screen.getByTestId('store-count')).toHaveTextContent('2 stores connected');
    expect(screen.getByText('Mỹ phẩm Hà Nội')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Add Another Store' }));
    expect(onConnect).toHaveBeenCalled();
  });

  it('uses the Vietnamese labels', () => {
    renderWithProviders(<PancakeCard stores={[integration()]} onConnect={vi.fn()} />, { language: 'vi' });
    expect(screen.getByTestId('store-count')).toHaveTextContent('Đã kết nối 1 cửa hàng');
    expect(screen.getByRole('button', { name: 'Thêm cửa hàng khác' })).toBeInTheDocument();
  });
});
