import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { progress } from '../test/fakeBackend';
import { renderWithProviders } from '../test/render';
import { SyncProgressBar } from './SyncProgressBar';

describe('SyncProgressBar', () => {
  it('names the stream in Vietnamese, groups the records the Vietnamese way, and fills done/total', () => {
    renderWithProviders(
      <SyncProgressBar name="Shop thời trang" progress={progress({ stream: 'orders', records: 1234, done: 3, total: 10 })} />,
      { language: 'vi' },
    );
    expect(screen.getByText('Đơn hàng')).toBeInTheDocument();
    expect(screen.getByText('· 1.234 bản ghi')).toBeInTheDocument();
    expect(screen.getByText('3/10')).toBeInTheDocument();
    const bar = screen.getByRole('progressbar', { name: 'Đang đồng bộ Shop thời trang' });
    expect(bar).toHaveAttribute('aria-valuenow', '3');
    expect(bar).toHaveAttribute('aria-valuemax', '10');
    expect(bar).toHaveAttribute('aria-valuetext', 'Đơn hàng: 1.234 bản ghi');
    expect(bar.firstElementChild).toHaveStyle({ width: '30%' });
  });

  it.each([
    ['variations', 'Sản phẩm'],
    ['insights', 'Số liệu quảng cáo'],
    ['stock', 'Tồn kho'],
  ])('calls the %s stream “%s”', (stream, words) => {
    renderWithProviders(<SyncProgressBar name="x" progress={progress({ stream, records: 5, done: 1, total: 2 })} />, {
      language: 'vi',
    });
    expect(screen.getByText(words)).toBeInTheDocument();
  });

  it('is indeterminate while the total is unknown, in English with English grouping', () => {
    renderWithProviders(<SyncProgressBar name="Ads" progress={progress({ stream: 'insights', records: 12500, done: 0, total: 0 })} />);
    expect(screen.getByText('Ad insights')).toBeInTheDocument();
    expect(screen.getByText('· 12,500 records')).toBeInTheDocument();
    const bar = screen.getByRole('progressbar', { name: 'Syncing Ads' });
    expect(bar).not.toHaveAttribute('aria-valuenow');
    expect(bar).toHaveAttribute('data-indeterminate', 'true');
    expect(screen.queryByText(/\d+\/\d+/)).not.toBeInTheDocument();
  });

  it('says "Starting…" before the run has started, and before its first stream', () => {
    const { unmount } = renderWithProviders(<SyncProgressBar name="Shop" progress={null} />);
    expect(screen.getByText('Starting…')).toBeInTheDocument();
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuetext', 'Starting…');
    unmount();
    renderWithProviders(<SyncProgressBar name="Shop" progress={progress({ stream: '', records: 0 })} />);
    expect(screen.getByText('Starting…')).toBeInTheDocument();
    expect(screen.queryByText(/records/)).not.toBeInTheDocument();
  });

  it('says "1 record", not "1 records"', () => {
    renderWithProviders(<SyncProgressBar name="Shop" progress={progress({ stream: 'orders', records: 1, done: 1, total: 4 })} />);
    expect(screen.getByText('· 1 record')).toBeInTheDocument();
  });
});
