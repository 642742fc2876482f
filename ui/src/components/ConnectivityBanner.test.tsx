import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { QueuedChange } from '../types';
import { renderWithProviders } from '../test/render';
import { ConnectivityBanner } from './ConnectivityBanner';

const asOf = '2025-06-02T08:15:00Z';
const formatted = (locale: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(asOf));

const queued = (seq: number): QueuedChange => ({
  seq,
  integrationId: `i-${seq}`,
  integrationName: 'Shop thời trang',
  change: { enabled: false },
  queuedAt: asOf,
});

describe('ConnectivityBanner', () => {
  it('shows nothing at all in standalone mode', () => {
    renderWithProviders(<ConnectivityBanner />);
    expect(screen.queryByTestId('connectivity')).not.toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it('offline: says how old the data is, that it reconnects by itself, and what waits to be sent', () => {
    renderWithProviders(<ConnectivityBanner />, {}, { mode: 'OFFLINE', mirrorAsOf: asOf, pending: [queued(1), queued(2)] });
    const banner = screen.getByRole('status');
    expect(banner).toHaveTextContent(`Offline — data as of ${formatted('en-US')}`);
    expect(banner).toHaveTextContent(
      'Reconnecting automatically. Changes to names, descriptions and on/off are saved and sent when the connection returns.',
    );
    expect(screen.getByTestId('pending-count')).toHaveTextContent('2 changes waiting to be sent');
  });

  it('offline and never synced, one change waiting', () => {
    renderWithProviders(<ConnectivityBanner />, {}, { mode: 'OFFLINE', mirrorAsOf: null, pending: [queued(1)] });
    expect(screen.getByRole('status')).toHaveTextContent('Offline — never synced with the server');
    expect(screen.getByTestId('pending-count')).toHaveTextContent('1 change waiting to be sent');
  });

  it('offline, in Vietnamese, with the date in the Vietnamese format', () => {
    renderWithProviders(<ConnectivityBanner />, { language: 'vi' }, { mode: 'OFFLINE', mirrorAsOf: asOf, pending: [] });
    const banner = screen.getByRole('status');
    expect(banner).toHaveTextContent(`Ngoại tuyến — dữ liệu tính đến ${formatted('vi-VN')}`);
    expect(banner).toHaveTextContent('Đang kết nối lại tự động.');
    expect(screen.queryByTestId('pending-count')).not.toBeInTheDocument();
  });

  it('connecting: a quieter line with the saved data’s age', () => {
    renderWithProviders(<ConnectivityBanner />, {}, { mode: 'CONNECTING', mirrorAsOf: asOf });
    const banner = screen.getByRole('status');
    expect(banner).toHaveTextContent(`Connecting to the shared database… showing saved data as of ${formatted('en-US')}`);
    expect(banner).not.toHaveTextContent('Offline');
  });

  it('online: an empty live region, or a short note while queued changes are sent', () => {
    const { unmount } = renderWithProviders(<ConnectivityBanner />, {}, { mode: 'ONLINE', mirrorAsOf: asOf });
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
    unmount();
    renderWithProviders(<ConnectivityBanner />, {}, { mode: 'ONLINE', mirrorAsOf: asOf, pending: [queued(1)] });
    expect(screen.getByRole('status')).toHaveTextContent('Sending 1 queued change…');
  });
});
