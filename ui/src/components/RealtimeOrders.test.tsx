import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { BackendError } from '../backend';
import { integration, realtimeOff } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import type { DeliveryRecord, RealtimeOrders } from '../types';
import { DELIVERY_LOG_LIMIT, RealtimeOrdersSection } from './RealtimeOrders';

const shop = integration({ id: 'shop-1', name: 'Cửa hàng Hà Nội', config: { shopId: '101' } });
const online = { mode: 'ONLINE' as const, mirrorAsOf: '2026-11-20T04:59:00Z' };
const available: RealtimeOrders = { ...realtimeOff, available: true };
const on: RealtimeOrders = {
  available: true,
  enabled: true,
  url: 'https://hooks.shop.vn/webhooks/pancake/shop-1',
  registeredAt: '2026-11-20T04:00:00Z',
  lastDeliveryAt: '2026-11-20T04:58:00Z',
};

function delivery(overrides: Partial<DeliveryRecord>): DeliveryRecord {
  return {
    integrationId: 'shop-1',
    receivedAt: '2026-11-20T04:58:00Z',
    kind: 'order',
    outcome: 'stored',
    sizeBytes: 2048,
    reference: '4242',
    ...overrides,
  };
}

function setup(language: 'en' | 'vi' = 'en', connectivity: object = online) {
  const user = userEvent.setup();
  renderWithProviders(<RealtimeOrdersSection integration={shop} />, { language }, connectivity);
  return { user };
}

describe('RealtimeOrdersSection', () => {
  it('turns real time on through the core and then shows where Pancake posts and the last delivery', async () => {
    api.realtimeOrders.mockResolvedValue(available);
    api.setRealtimeOrders.mockResolvedValue(on);
    const { user } = setup();
    const toggle = await screen.findByRole('switch', { name: 'Receive orders in real time: Cửa hàng Hà Nội' });
    expect(toggle).toHaveAttribute('aria-checked', 'false');
    expect(screen.getByTestId('last-delivery')).toHaveTextContent('No delivery yet');

    await user.click(toggle);

    expect(api.setRealtimeOrders).toHaveBeenCalledWith('shop-1', true);
    expect(await screen.findByText('“Cửa hàng Hà Nội” now receives orders in real time.')).toBeVisible();
    expect(toggle).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByTestId('last-delivery')).toHaveTextContent(/^Last delivery: .*2026/);
  });

  it('turns it off again, and says the scheduled sync goes on', async () => {
    api.realtimeOrders.mockResolvedValue(on);
    api.setRealtimeOrders.mockResolvedValue({ ...available, lastDeliveryAt: on.lastDeliveryAt });
    const { user } = setup();
    await user.click(await screen.findByRole('switch', { checked: true }));
    expect(api.setRealtimeOrders).toHaveBeenCalledWith('shop-1', false);
    expect(await screen.findByText(/no longer receives orders in real time; the scheduled sync goes on/)).toBeVisible();
    expect(screen.getByRole('switch')).toHaveAttribute('aria-checked', 'false');
  });

  it('cannot be turned on before the server has a public address, and says who can fix it', async () => {
    api.realtimeOrders.mockResolvedValue(realtimeOff);
    const { user } = setup();
    const toggle = await screen.findByRole('switch');
    expect(toggle).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId('realtime-unavailable')).toHaveTextContent('INTEGRATIONS_PUBLIC_URL');
    await user.click(toggle);
    expect(api.setRealtimeOrders).not.toHaveBeenCalled();
  });

  it('on a computer on its own says it needs a shared server and offers no log', async () => {
    api.realtimeOrders.mockResolvedValue(realtimeOff);
    setup('en', {});
    expect(await screen.findByTestId('realtime-unavailable')).toHaveTextContent('Needs a shared server');
    expect(screen.queryByRole('button', { name: 'Delivery log' })).not.toBeInTheDocument();
  });

  it('shows a refusal by its code in the chosen language and keeps the switch where it was', async () => {
    api.realtimeOrders.mockResolvedValue(available);
    api.setRealtimeOrders.mockRejectedValue(
      new BackendError({ code: 'CONFIGURATION', message: "The server's public address is not set yet." }),
    );
    const { user } = setup('vi');
    await user.click(await screen.findByRole('switch'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'CONFIGURATION');
    expect(alert).toHaveTextContent('Máy chủ chung chưa được thiết lập');
    expect(screen.getByRole('switch')).toHaveAttribute('aria-checked', 'false');
  });

  it('shows a provider refusal with the core message', async () => {
    api.realtimeOrders.mockResolvedValue(available);
    api.setRealtimeOrders.mockRejectedValue(
      new BackendError({ code: 'PROVIDER_ERROR', message: 'Pancake refused the API key.', providerCode: 'PROVIDER_AUTH_REJECTED' }),
    );
    const { user } = setup();
    await user.click(await screen.findByRole('switch'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Pancake refused the API key.');
  });

  it('lists the recent deliveries with time, kind, result and order id, in Vietnamese', async () => {
    api.realtimeOrders.mockResolvedValue(on);
    api.webhookDeliveries.mockResolvedValue([
      delivery({ receivedAt: '2026-11-20T04:58:00Z' }),
      delivery({ receivedAt: '2026-11-20T04:57:00Z', kind: 'unknown', outcome: 'unauthorized', reference: null }),
      delivery({ receivedAt: '2026-11-20T04:56:00Z', kind: 'stock', outcome: 'unchanged', reference: 'v-1' }),
      delivery({ receivedAt: '2026-11-20T04:55:00Z', kind: 'refund', outcome: 'later', reference: '7' }),
    ]);
    const { user } = setup('vi');
    await user.click(await screen.findByRole('button', { name: 'Nhật ký nhận' }));

    const dialog = await screen.findByRole('dialog', { name: 'Nhật ký nhận' });
    expect(api.webhookDeliveries).toHaveBeenCalledWith('shop-1', DELIVERY_LOG_LIMIT);
    const rows = within(dialog).getAllByRole('row').slice(1);
    const cells = rows.map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent));
    expect(cells).toEqual([
      ['Đơn hàng', 'Đã lưu', '4242'],
      ['Không rõ', 'Từ chối: sai khóa bí mật', '—'],
      ['Tồn kho', 'Đã cập nhật từ trước', 'v-1'],
      // A word this UI does not know yet is shown as logged.
      ['refund', 'later', '7'],
    ]);
    expect(within(rows[0]).getByRole('rowheader').querySelector('time')).toHaveAttribute('dateTime', '2026-11-20T04:58:00Z');
  });

  it('says when there is no delivery yet', async () => {
    api.realtimeOrders.mockResolvedValue(available);
    api.webhookDeliveries.mockResolvedValue([]);
    const { user } = setup();
    await user.click(await screen.findByRole('button', { name: 'Delivery log' }));
    expect(await screen.findByRole('heading', { name: 'No deliveries yet' })).toBeVisible();
  });
});
