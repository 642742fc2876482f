import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState, type ReactNode } from 'react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { BackendError } from '../../backend';
import { ConnectivityContext, connectivityState } from '../../connectivity';
import { useSession } from '../../session';
import { account, connectivity, integration } from '../../test/fakeBackend';
import { api, renderWithProviders } from '../../test/render';
import type { Report, ReportMetrics, ReportRow } from '../../types';
import { AnalyticsPage } from './AnalyticsPage';

const NBSP = '\u00a0';
/** 18:30 UTC on the 24th is 01:30 on the 25th in Vietnam: "today" is the 25th (10:30 on the 24th in Los Angeles). */
const NOW = new Date('2026-11-24T18:30:00Z');

function metrics(overrides: Partial<ReportMetrics> = {}): ReportMetrics {
  return {
    spendMinor: 0,
    impressions: 0,
    clicks: 0,
    metaPurchases: 0,
    metaPurchaseValueMinor: 0,
    revenueMinor: 0,
    orders: 0,
    averageOrderValueMinor: null,
    roasMeta: null,
    roasPos: null,
    ...overrides,
  };
}

const totals = metrics({
  spendMinor: 1234567,
  impressions: 98765,
  clicks: 4321,
  metaPurchases: 87,
  metaPurchaseValueMinor: 4012343,
  revenueMinor: 5432100,
  orders: 120,
  averageOrderValueMinor: 45268,
  roasMeta: 3.25,
  roasPos: 4.4,
});

function report(overrides: Partial<Report> = {}): Report {
  return {
    from: '2026-10-27',
    to: '2026-11-25',
    timeZone: 'Asia/Ho_Chi_Minh',
    by: 'day',
    store: null,
    spendCurrency: 'VND',
    revenueCurrency: 'VND',
    spendExponent: 0,
    revenueExponent: 0,
    rows: [
      { kind: 'day', key: '2026-11-24', name: null, campaignName: null, metrics: metrics({ spendMinor: 600000, orders: 50, revenueMinor: 2500000 }) },
      { kind: 'day', key: '2026-11-25', name: null, campaignName: null, metrics: metrics({ spendMinor: 634567, orders: 70, revenueMinor: 2932100 }) },
    ],
    totals,
    warnings: [],
    source: { kind: 'local' },
    generatedAt: NOW.toISOString(),
    ...overrides,
  };
}

const row = (kind: ReportRow['kind'], key: string, name: string | null, extra: Partial<ReportRow> = {}): ReportRow => ({
  kind,
  key,
  name,
  campaignName: null,
  metrics: metrics({ spendMinor: 1000, revenueMinor: 2000, orders: 1 }),
  ...extra,
});

const byCampaign = report({
  by: 'campaign',
  rows: [
    row('campaign', 'c-1', 'Khuyến mãi Tết'),
    row('campaign', '', null),
    row('unknownAd', '', null),
    row('noAd', '', null),
  ],
});
const byAd = report({
  by: 'ad',
  rows: [
    row('ad', 'ad-1', 'Áo dài Tết – video', { campaignName: 'Khuyến mãi Tết' }),
    row('unknownAd', '120219999001', null),
    row('noAd', '', null),
  ],
});

const hanoi = integration({ id: 'store-hn', name: 'Cửa hàng Hà Nội' });
const saigon = integration({ id: 'store-sg', name: 'Cửa hàng Sài Gòn' });
const ads = integration({ id: 'meta-1', provider: 'META_ADS', name: 'Quảng cáo', config: { adAccountId: 'act_9' } });

/** A KPI card's figure, exactly as shown (no whitespace folding: vi-VN puts U+00A0 before ₫). */
const kpiValue = (name: string) => screen.getByRole('group', { name }).lastElementChild?.textContent;
const lastQuery = () => api.report.mock.lastCall?.[0];
/** Lets the answers already given reach the page (fake timers only: no time passes). */
const settle = () => act(() => vi.advanceTimersByTimeAsync(0));
const rowHeaders = () =>
  within(screen.getByRole('table'))
    .getAllByRole('rowheader')
    .map((cell) => cell.querySelector('.row-name')?.textContent ?? cell.textContent);

const toCampaigns = vi.fn();

function setup(language: 'en' | 'vi' = 'en', connectivity = {}) {
  const user = userEvent.setup();
  toCampaigns.mockReset();
  renderWithProviders(<AnalyticsPage onCampaigns={toCampaigns} />, { language }, connectivity);
  return { user };
}

/** Stands for the settings page: hands the session a new account, as set_time_zone's answer. */
function ZoneChanger({ timeZone }: { timeZone: string }) {
  const { account: current, updated } = useSession();
  return (
    <button type="button" onClick={() => updated({ ...current, timeZone })}>
      Move to {timeZone}
    </button>
  );
}

beforeEach(() => {
  // Only Date is faked: timers stay real, so waiting for the page works as usual.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  api.listIntegrations.mockResolvedValue([hanoi, ads, saigon]);
  api.report.mockResolvedValue(report());
});

afterEach(() => {
  vi.useRealTimers();
});

/** A data change on demand (a sync ended, the mirror was pulled): what the page reloads on. */
function DataChanges({ children }: { children: ReactNode }) {
  const [revision, setRevision] = useState(0);
  return (
    <>
      <button type="button" onClick={() => setRevision((r) => r + 1)}>
        Data changed
      </button>
      <ConnectivityContext.Provider value={connectivityState(connectivity(), { dataRevision: revision })}>
        {children}
      </ConnectivityContext.Provider>
    </>
  );
}

describe('AnalyticsPage', () => {
  it('keeps waiting for the range asked for when the data changes meanwhile', async () => {
    // Every timer is fake here, not only Date: each step waits for the answers it needs, not on the clock.
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    renderWithProviders(
      <DataChanges>
        <AnalyticsPage />
      </DataChanges>,
      { language: 'en' },
    );
    await settle();
    expect(kpiValue('Orders')).toBe('120');
    let answer: (report: Report) => void = () => undefined;
    api.report.mockImplementationOnce(() => new Promise<Report>((resolve) => (answer = resolve)));
    // Were the background reload to go out, it would fail and leave the page waiting forever.
    api.report.mockRejectedValue(new BackendError({ code: 'OFFLINE', message: 'The server is out of reach.' }));
    fireEvent.click(screen.getByRole('radio', { name: 'Last 7 days' }));
    fireEvent.click(screen.getByRole('button', { name: 'Data changed' }));
    await settle();
    // The data change asked for nothing more: the page still waits for the range.
    expect(api.report).toHaveBeenCalledTimes(2);
    expect(lastQuery()).toEqual({ from: '2026-11-19', to: '2026-11-25', by: 'day' });
    expect(screen.getByText('Analytics', { selector: 'h1' }).closest('[aria-busy]')).toHaveAttribute('aria-busy', 'true');

    answer(report({ totals: { ...totals, orders: 777 } }));
    await settle();
    expect(kpiValue('Orders')).toBe('777');
    expect(screen.getByText('Analytics', { selector: 'h1' }).closest('[aria-busy]')).toHaveAttribute('aria-busy', 'false');
    expect(api.report).toHaveBeenCalledTimes(2);
  });

  it('asks for all stores again once the chosen store is deleted', async () => {
    const user = userEvent.setup();
    renderWithProviders(
      <DataChanges>
        <AnalyticsPage />
      </DataChanges>,
      { language: 'en' },
    );
    await screen.findByRole('table');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Store' }), 'Cửa hàng Hà Nội');
    await waitFor(() => expect(lastQuery()?.store).toBe('store-hn'));
    // Someone deletes the store; the next data change brings the shorter list.
    api.listIntegrations.mockResolvedValue([ads, saigon]);
    await user.click(screen.getByRole('button', { name: 'Data changed' }));
    await waitFor(() => expect(lastQuery()).toEqual({ from: '2026-10-27', to: '2026-11-25', by: 'day' }));
    expect(screen.getByRole('combobox', { name: 'Store' })).toHaveValue('');
  });

  it('asks for the last 30 days ending today in Vietnam, where it is already the next day', async () => {
    setup();
    expect(screen.getByRole('status')).toHaveTextContent('Loading the report…');
    expect(screen.getByText('Analytics', { selector: 'h1' }).closest('[aria-busy]')).toHaveAttribute('aria-busy', 'true');
    await screen.findByRole('table');
    expect(api.report).toHaveBeenCalledTimes(1);
    expect(lastQuery()).toEqual({ from: '2026-10-27', to: '2026-11-25', by: 'day' });
    expect(screen.getByTestId('analytics-time-zone')).toHaveTextContent('Days in Asia/Ho_Chi_Minh');
  });

  it('moves the range with the presets, in Vietnam’s calendar', async () => {
    const { user } = setup();
    await screen.findByRole('table');
    await user.click(screen.getByRole('radio', { name: 'Last 7 days' }));
    await waitFor(() => expect(lastQuery()).toEqual({ from: '2026-11-19', to: '2026-11-25', by: 'day' }));
    await user.click(screen.getByRole('radio', { name: 'Last 90 days' }));
    await waitFor(() => expect(lastQuery()).toEqual({ from: '2026-08-28', to: '2026-11-25', by: 'day' }));
    await user.click(screen.getByRole('radio', { name: 'This month' }));
    await waitFor(() => expect(lastQuery()).toEqual({ from: '2026-11-01', to: '2026-11-25', by: 'day' }));
  });

  it('counts the presets in the workspace’s zone: in Los Angeles it is still the 24th', async () => {
    const la = { ...account, timeZone: 'America/Los_Angeles' };
    api.report.mockResolvedValue(report({ from: '2026-10-26', to: '2026-11-24', timeZone: 'America/Los_Angeles' }));
    const user = userEvent.setup();
    renderWithProviders(<AnalyticsPage />, {}, undefined, {}, { account: la });
    // Before the core answers, the label already names the workspace's zone.
    expect(screen.getByTestId('analytics-time-zone')).toHaveTextContent('Days in America/Los_Angeles');
    await screen.findByRole('table');
    expect(lastQuery()).toEqual({ from: '2026-10-26', to: '2026-11-24', by: 'day' });
    await user.click(screen.getByRole('radio', { name: 'Last 7 days' }));
    await waitFor(() => expect(lastQuery()).toEqual({ from: '2026-11-18', to: '2026-11-24', by: 'day' }));
    await user.click(screen.getByRole('radio', { name: 'This month' }));
    await waitFor(() => expect(lastQuery()).toEqual({ from: '2026-11-01', to: '2026-11-24', by: 'day' }));
    expect(screen.getByTestId('analytics-time-zone')).toHaveTextContent('Days in America/Los_Angeles');
  });

  it('asks again when the workspace’s zone changes, even for the same days', async () => {
    const user = userEvent.setup();
    renderWithProviders(
      <>
        <AnalyticsPage />
        <ZoneChanger timeZone="Asia/Bangkok" />
      </>,
    );
    await screen.findByRole('table');
    expect(api.report).toHaveBeenCalledTimes(1);
    api.report.mockResolvedValue(report({ timeZone: 'Asia/Bangkok' }));
    // Bangkok is Vietnam's offset: the same days, but the core counts them in another zone.
    await user.click(screen.getByRole('button', { name: 'Move to Asia/Bangkok' }));
    await waitFor(() => expect(screen.getByTestId('analytics-time-zone')).toHaveTextContent('Days in Asia/Bangkok'));
    expect(api.report).toHaveBeenCalledTimes(2);
    expect(lastQuery()).toEqual({ from: '2026-10-27', to: '2026-11-25', by: 'day' });
  });

  it('shows the totals as cards, money exact and ROAS with two decimals', async () => {
    setup();
    await screen.findByRole('group', { name: 'Spend' });
    expect(kpiValue('Spend')).toBe('₫1,234,567');
    expect(kpiValue('Impressions')).toBe('98,765');
    expect(kpiValue('Clicks')).toBe('4,321');
    expect(kpiValue('Meta purchases')).toBe('87');
    expect(kpiValue('Meta purchase value')).toBe('₫4,012,343');
    expect(kpiValue('POS revenue')).toBe('₫5,432,100');
    expect(kpiValue('Orders')).toBe('120');
    expect(kpiValue('Average order value')).toBe('₫45,268');
    expect(kpiValue('ROAS (Meta)')).toBe('3.25×');
    expect(kpiValue('ROAS (POS)')).toBe('4.40×');
    // The chart is one image named by a sentence.
    expect(screen.getByRole('img', { name: /^Spend, Meta purchase value and POS revenue per day, Oct 27\s–\sNov 25, 2026\. Total spend ₫1,234,567/ })).toBeInTheDocument();
    // Every day, then the totals.
    expect(rowHeaders()).toEqual(['Tue, Nov 24', 'Wed, Nov 25', 'Total']);
  });

  it('writes figures the Vietnamese way', async () => {
    setup('vi');
    await screen.findByRole('group', { name: 'Chi phí quảng cáo' });
    expect(kpiValue('Chi phí quảng cáo')).toBe(`1.234.567${NBSP}₫`);
    expect(kpiValue('Giá trị đơn trung bình')).toBe(`45.268${NBSP}₫`);
    expect(kpiValue('ROAS (Meta)')).toBe('3,25×');
    expect(kpiValue('Lượt hiển thị')).toBe('98.765');
    expect(rowHeaders()[0]).toBe('Thứ 3, 24/11');
  });

  it('switches grouping and names the rows Meta cannot explain', async () => {
    const { user } = setup();
    await screen.findByRole('table');
    api.report.mockResolvedValue(byCampaign);
    await user.click(screen.getByRole('tab', { name: 'By campaign' }));
    expect(screen.getByRole('tab', { name: 'By campaign' })).toHaveAttribute('aria-selected', 'true');
    await waitFor(() => expect(rowHeaders()).toEqual(['Khuyến mãi Tết', '(no campaign)', 'Ads not in Meta', 'Orders without an ad', 'Total']));
    expect(lastQuery()).toEqual({ from: '2026-10-27', to: '2026-11-25', by: 'campaign' });

    api.report.mockResolvedValue(byAd);
    // Arrow keys move between the tabs, as tabs do.
    await user.keyboard('{ArrowRight}');
    await waitFor(() => expect(rowHeaders()).toEqual(['Áo dài Tết – video', 'Ad not in Meta: 120219999001', 'Orders without an ad', 'Total']));
    expect(lastQuery()).toEqual({ from: '2026-10-27', to: '2026-11-25', by: 'ad' });
    expect(screen.getByRole('rowheader', { name: /^Áo dài Tết – video,\s?Khuyến mãi Tết$/ })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'By ad' })).toHaveFocus();
  });

  it('narrows to one store, and shows the core’s warnings with a way to the Campaigns page', async () => {
    const { user } = setup();
    await screen.findByRole('table');
    const select = screen.getByRole('combobox', { name: 'Store' });
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['All stores', 'Cửa hàng Hà Nội', 'Cửa hàng Sài Gòn']);
    api.report.mockResolvedValue(
      report({
        store: 'store-hn',
        spendCurrency: 'USD',
        spendExponent: 2,
        totals: { ...totals, roasPos: null },
        warnings: [
          {
            kind: 'unassignedSpend',
            spendMinor: 123456,
            campaigns: ['Khuyến mãi Tết', 'Xả kho', 'Nhận diện', 'Video'],
          },
          {
            kind: 'reassigned',
            campaignId: '1202',
            campaignName: 'Bộ sưu tập mới',
            adsetId: null,
            adsetName: null,
            at: '2026-11-24T10:00:00Z',
          },
          { kind: 'currenciesDiffer', spend: 'USD', revenue: 'VND' },
        ],
      }),
    );
    await user.selectOptions(select, 'Cửa hàng Hà Nội');
    const note = await screen.findByRole('note', { name: 'About these figures' });
    expect(note).toHaveTextContent(
      '$1,234.56 of spend belongs to no store yet: “Khuyến mãi Tết”, “Xả kho”, “Nhận diện” +1.',
    );
    expect(note).toHaveTextContent('“Bộ sưu tập mới” was reassigned on ');
    expect(note).toHaveTextContent('its spend on earlier days moved with it.');
    expect(note).toHaveTextContent('POS ROAS is not shown: spend is in USD, sales in VND.');
    await user.click(within(note).getByRole('button', { name: 'Assign campaigns' }));
    expect(toCampaigns).toHaveBeenCalledTimes(1);
    expect(lastQuery()).toEqual({ from: '2026-10-27', to: '2026-11-25', store: 'store-hn', by: 'day' });
    // Spend in cents now; POS ROAS does not exist.
    expect(kpiValue('Spend')).toBe('$12,345.67');
    expect(kpiValue('ROAS (POS)')).toBe('—');
  });

  it('groups by store: each store, then the spend of no store, set apart', async () => {
    const { user } = setup();
    await screen.findByRole('table');
    api.report.mockResolvedValue(
      report({
        by: 'store',
        rows: [
          row('store', 'store-hn', 'Cửa hàng Hà Nội'),
          row('store', 'gone', null),
          row('unassigned', '', null),
          row('noStore', '', null),
        ],
      }),
    );
    await user.click(screen.getByRole('tab', { name: 'By store' }));
    await waitFor(() => expect(lastQuery()?.by).toBe('store'));
    const table = await screen.findByRole('table');
    await waitFor(() => expect(within(table).getAllByRole('rowheader').map((h) => h.textContent)).toEqual([
      'Cửa hàng Hà Nội',
      'A removed store',
      'Not assigned to a store',
      'No store',
      'Total',
    ]));
    expect(within(table).getAllByRole('columnheader')[0]).toHaveTextContent('Store');
    const kinds = within(table).getAllByRole('row').map((r) => r.getAttribute('data-kind'));
    expect(kinds).toEqual([null, 'store', 'store', 'unassigned', 'noStore', null]);
  });

  it('says when the figures come from the offline copy, and how old it is', async () => {
    api.report.mockResolvedValue(report({ source: { kind: 'mirror', asOf: '2026-11-24T18:25:00Z' } }));
    setup();
    expect(await screen.findByTestId('analytics-source')).toHaveTextContent('Offline — figures from the local copy, updated 5 minutes ago');
  });

  it('says so when the offline copy was never filled', async () => {
    api.report.mockResolvedValue(report({ source: { kind: 'mirror', asOf: null } }));
    setup('vi');
    expect(await screen.findByTestId('analytics-source')).toHaveTextContent('bản sao này chưa từng được cập nhật');
  });

  it('exports the CSV of the same query and says where it went', async () => {
    api.exportReport.mockResolvedValue('/home/chu/Downloads/ad-spend-vs-sales_2026-10-27_2026-11-25_by-day.csv');
    const { user } = setup();
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByText('Saved to /home/chu/Downloads/ad-spend-vs-sales_2026-10-27_2026-11-25_by-day.csv')).toBeInTheDocument();
    expect(api.exportReport).toHaveBeenCalledWith({ from: '2026-10-27', to: '2026-11-25', by: 'day' });
  });

  it('reports a failed export in a toast', async () => {
    api.exportReport.mockRejectedValue(new BackendError({ code: 'CONFIGURATION', message: 'There is no Downloads folder to save the CSV in.' }));
    const { user } = setup();
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByText('Could not export the CSV: There is no Downloads folder to save the CSV in.')).toBeInTheDocument();
  });

  it('shows an error with Try again', async () => {
    api.report
      .mockRejectedValueOnce(new BackendError({ code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached.' }))
      .mockResolvedValueOnce(report());
    const { user } = setup();
    expect(await screen.findByRole('alert')).toHaveTextContent('The database cannot be reached.');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table')).toBeInTheDocument();
    expect(api.report).toHaveBeenCalledTimes(2);
  });

  it('shows an empty state when the range has nothing', async () => {
    api.report.mockResolvedValue(report({ totals: metrics(), spendCurrency: null, revenueCurrency: null }));
    setup();
    expect(await screen.findByText('No data in this range')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
  });

  it('checks a custom range before asking the core', async () => {
    const { user } = setup();
    await screen.findByRole('table');
    await user.click(screen.getByRole('radio', { name: 'Custom' }));
    const from = screen.getByLabelText('From');
    const to = screen.getByLabelText('To');
    expect(from).toHaveValue('2026-10-27');
    expect(to).toHaveValue('2026-11-25');
    const calls = api.report.mock.calls.length;
    fireEvent.change(from, { target: { value: '2026-12-01' } });
    expect(await screen.findByRole('alert')).toHaveTextContent('The first day must not be after the last day.');
    expect(from).toHaveAttribute('aria-invalid', 'true');
    expect(api.report).toHaveBeenCalledTimes(calls);
    fireEvent.change(from, { target: { value: '2026-11-10' } });
    await waitFor(() => expect(lastQuery()).toEqual({ from: '2026-11-10', to: '2026-11-25', by: 'day' }));
  });
});
