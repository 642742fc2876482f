import { describe, expect, it } from 'vitest';

import { translator } from '../../i18n';
import type { ReportRow } from '../../types';
import { addDays, isDay, presetRange, rangeProblem, reportQuery, rowLabel, todayIn, workspaceToday } from './analytics';

const t = translator('en');

describe('todayIn', () => {
  it('is the day in the given zone, not the computer’s or UTC’s', () => {
    // 18:30 UTC on the 24th: already 01:30 on the 25th in Vietnam (UTC+7).
    const now = new Date('2026-11-24T18:30:00Z');
    expect(todayIn('Asia/Ho_Chi_Minh', now)).toBe('2026-11-25');
    expect(todayIn('UTC', now)).toBe('2026-11-24');
    expect(todayIn('Asia/Ho_Chi_Minh', new Date('2026-11-24T16:59:59Z'))).toBe('2026-11-24');
    expect(todayIn('Asia/Ho_Chi_Minh', new Date('2026-11-24T17:00:00Z'))).toBe('2026-11-25');
    expect(todayIn('America/Los_Angeles', now)).toBe('2026-11-24');
  });

  it('is the workspace’s today, or Vietnam’s when the browser does not know the zone', () => {
    const now = new Date('2026-11-24T18:30:00Z');
    expect(workspaceToday('America/Los_Angeles', now)).toBe('2026-11-24');
    expect(workspaceToday('Asia/Tokyo', now)).toBe('2026-11-25');
    expect(workspaceToday('Mars/Olympus_Mons', now)).toBe('2026-11-25');
  });
});

describe('ranges', () => {
  it('count back across months and leap days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('end today and include it', () => {
    expect(presetRange('last7', '2026-11-25')).toEqual({ from: '2026-11-19', to: '2026-11-25' });
    expect(presetRange('last30', '2026-11-25')).toEqual({ from: '2026-10-27', to: '2026-11-25' });
    expect(presetRange('last90', '2026-03-01')).toEqual({ from: '2025-12-02', to: '2026-03-01' });
    expect(presetRange('thisMonth', '2026-11-25')).toEqual({ from: '2026-11-01', to: '2026-11-25' });
  });

  it('check a custom range', () => {
    expect(isDay('2026-02-30')).toBe(false);
    expect(rangeProblem(t, { from: '2026-11-01', to: '2026-11-01' })).toBeNull();
    expect(rangeProblem(t, { from: '2026-11-02', to: '2026-11-01' })).toBe('The first day must not be after the last day.');
    expect(rangeProblem(t, { from: '', to: '2026-11-01' })).toBe('Enter both days of the range.');
  });

  it('leave the store and the time zone out unless chosen', () => {
    const range = { from: '2026-11-19', to: '2026-11-25' };
    expect(reportQuery(range, 'day', '')).toEqual({ from: '2026-11-19', to: '2026-11-25', by: 'day' });
    expect(reportQuery(range, 'ad', 'store-1')).toEqual({ from: '2026-11-19', to: '2026-11-25', store: 'store-1', by: 'ad' });
  });
});

describe('rowLabel', () => {
  const row = (kind: ReportRow['kind'], key: string, name: string | null = null): ReportRow =>
    ({ kind, key, name, campaignName: null, metrics: {} }) as ReportRow;

  it('names the rows without a Meta ad in both languages', () => {
    expect(rowLabel(t, row('unknownAd', '120219999001'), 'ad')).toBe('Ad not in Meta: 120219999001');
    expect(rowLabel(t, row('unknownAd', ''), 'campaign')).toBe('Ads not in Meta');
    expect(rowLabel(t, row('noAd', ''), 'ad')).toBe('Orders without an ad');
    expect(rowLabel(t, row('campaign', ''), 'campaign')).toBe('(no campaign)');
    expect(rowLabel(t, row('campaign', 'c-1', 'Khuyến mãi Tết'), 'campaign')).toBe('Khuyến mãi Tết');
    expect(rowLabel(t, row('ad', 'ad-9'), 'ad')).toBe('ad-9');
    const vi = translator('vi');
    expect(rowLabel(vi, row('unknownAd', '42'), 'ad')).toBe('Quảng cáo không có trên Meta: 42');
    expect(rowLabel(vi, row('noAd', ''), 'campaign')).toBe('Đơn không qua quảng cáo');
    expect(rowLabel(vi, row('campaign', ''), 'campaign')).toBe('(không có chiến dịch)');
  });
});
