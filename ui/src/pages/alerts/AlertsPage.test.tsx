import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { alert } from '../../test/fakeBackend';
import { api, renderWithProviders } from '../../test/render';
import { AlertsPage } from './AlertsPage';

const quiet = alert({
  id: 'a-quiet',
  rule: 'STORE_QUIET',
  subject: 'i-1',
  integrationId: 'i-1',
  integrationName: 'Cửa hàng Hà Nội',
  details: { rule: 'STORE_QUIET', lastOrderAt: '2026-11-20T02:00:00Z', quietMinutes: 185, usualOrders: [3, 1, 2, 2] },
  report: { from: '2026-10-23', to: '2026-11-20', store: 'i-1' },
});
const cleared = alert({
  id: 'a-old',
  rule: 'SYNC_FAILING',
  subject: 'i-2',
  integrationId: 'i-2',
  integrationName: 'Quảng cáo Meta',
  clearedAt: '2026-11-16T11:30:00Z',
  details: { rule: 'SYNC_FAILING', failingSince: '2026-11-16T02:40:00Z', failedRuns: 12, lastError: null, thresholdHours: 6 },
  report: null,
});

const storeRoas = alert({
  id: 'a-roas-hn',
  rule: 'ROAS_DROP',
  subject: 'i-1',
  integrationId: 'i-1',
  integrationName: 'Cửa hàng Hà Nội',
  details: {
    rule: 'ROAS_DROP',
    from: '2026-11-13',
    to: '2026-11-19',
    currency: 'VND',
    exponent: 0,
    spendMinor: 1_200_001,
    revenueMinor: 2_520_002,
    roas: 2_520_002 / 1_200_001,
    previousSpendMinor: 1_200_001,
    previousRevenueMinor: 3_600_003,
    previousRoas: 3,
    belowFloor: false,
    dropped: true,
    floorPercent: 100,
    dropPercent: 30,
  },
  report: { from: '2026-11-06', to: '2026-11-19', store: 'i-1' },
});

describe('AlertsPage', () => {
  it("names the store whose own ROAS dropped, in English and Vietnamese", async () => {
    api.alerts.mockResolvedValue({ alerts: [storeRoas], unread: 1, computedOffline: false });
    const { unmount } = renderWithProviders(<AlertsPage onOpenReport={vi.fn()} />);
    expect(await screen.findByTestId('alert')).toHaveTextContent(
      'Cửa hàng Hà Nội, with the spend of the campaigns assigned to it: ROAS (POS) 11/13/2026 – 11/19/2026: 2.10, ' +
        'down 30% or more on the week before (3.00). Spend ₫1,200,001, POS revenue ₫2,520,002.',
    );
    unmount();
    renderWithProviders(<AlertsPage onOpenReport={vi.fn()} />, { language: 'vi' });
    const card = await screen.findByTestId('alert');
    expect(card).toHaveTextContent(
      'Cửa hàng Hà Nội, theo chi tiêu của các chiến dịch gán cho cửa hàng: ROAS (POS) 13/11/2026 – 19/11/2026: 2.10, ' +
        'giảm từ 30% trở lên so với tuần trước (3.00).',
    );
    expect(card).toHaveTextContent('1.200.001');
  });

  it('shows open alerts with their numbers and the history apart', async () => {
    api.alerts.mockResolvedValue({ alerts: [alert(), quiet, cleared], unread: 2, computedOffline: false });
    renderWithProviders(<AlertsPage onOpenReport={vi.fn()} />);
    const open = await screen.findByRole('region', { name: 'Needs attention' });
    const cards = within(open).getAllByTestId('alert');
    expect(cards).toHaveLength(2);
    expect(cards[0]).toHaveTextContent(
      '11/19/2026: ₫2,500,000 spent, above 200% of the median of the 14 days before (₫1,100,000).',
    );
    expect(cards[1]).toHaveTextContent('Cửa hàng Hà Nội: no order for 3 h 5 min');
    const history = screen.getByRole('region', { name: 'History' });
    expect(within(history).getAllByTestId('alert')).toHaveLength(1);
    expect(within(history).queryByRole('button', { name: 'Dismiss' })).toBeNull();
  });

  it('opens the report behind an alert', async () => {
    api.alerts.mockResolvedValue({ alerts: [quiet], unread: 1, computedOffline: false });
    const onOpenReport = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage onOpenReport={onOpenReport} />);
    await user.click(await screen.findByRole('button', { name: 'Open the report' }));
    expect(onOpenReport).toHaveBeenCalledWith({ from: '2026-10-23', to: '2026-11-20', store: 'i-1' });
  });

  it('dismisses an alert and reloads the list', async () => {
    api.alerts.mockResolvedValueOnce({ alerts: [alert()], unread: 1, computedOffline: false });
    api.alerts.mockResolvedValue({
      alerts: [alert({ dismissedAt: '2026-11-20T05:10:00Z' })],
      unread: 0,
      computedOffline: false,
    });
    api.dismissAlert.mockResolvedValue(alert({ dismissedAt: '2026-11-20T05:10:00Z' }));
    const user = userEvent.setup();
    renderWithProviders(<AlertsPage onOpenReport={vi.fn()} />);
    await user.click(await screen.findByRole('button', { name: 'Dismiss' }));
    expect(api.dismissAlert).toHaveBeenCalledWith('a-1');
    await waitFor(() => expect(screen.getByTestId('alert')).toHaveTextContent('Dismissed'));
    expect(screen.queryByRole('button', { name: 'Dismiss' })).toBeNull();
  });

  it('says offline alerts were computed from the local copy and cannot be dismissed yet', async () => {
    api.alerts.mockResolvedValue({ alerts: [alert({ computedOffline: true })], unread: 1, computedOffline: true });
    renderWithProviders(<AlertsPage onOpenReport={vi.fn()} />);
    expect(await screen.findByTestId('alerts-offline')).toHaveTextContent('computed just now from the local copy');
    expect(screen.getByTestId('alert')).toHaveTextContent('From the local copy');
    expect(screen.queryByRole('button', { name: 'Dismiss' })).toBeNull();
  });

  it('says when nothing needs attention', async () => {
    renderWithProviders(<AlertsPage onOpenReport={vi.fn()} />);
    expect(await screen.findByTestId('alerts-none')).toHaveTextContent('Nothing needs your attention.');
  });
});
