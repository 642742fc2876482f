import { describe, expect, it } from 'vitest';

import { translator } from './i18n';
import { agoText, durationText, everyText, intervalOption, orderedCounts, recordsText, streamLabel } from './syncText';

const en = translator('en');
const vi = translator('vi');

describe('sync wording', () => {
  it('says the interval as the schedule line and as the select do', () => {
    expect([15, 60, 90, 180, 1440].map((m) => everyText(en, m))).toEqual([
      '15 minutes', '60 minutes', '90 minutes', '3 hours', '24 hours',
    ]);
    expect([30, 60, 360].map((m) => intervalOption(vi, m))).toEqual(['30 phút', '1 giờ', '6 giờ']);
  });

  it('says how long a run took, and nothing while it runs', () => {
    expect(durationText(en, '2025-06-02T07:00:00Z', '2025-06-02T07:00:09.600Z')).toBe('10 s');
    expect(durationText(vi, '2025-06-02T07:00:00Z', '2025-06-02T07:02:05Z')).toBe('2 phút 5 giây');
    expect(durationText(en, '2025-06-02T07:00:00Z', '2025-06-02T08:03:00Z')).toBe('1 h 3 min');
    expect(durationText(en, '2025-06-02T07:00:00Z', null)).toBeNull();
  });

  it('orders the streams as a run goes through them; an unknown one keeps its name', () => {
    expect(orderedCounts({ zeta: 1, stock: 60, ads: 12, orders: 450 }).map(([s]) => s)).toEqual(['orders', 'stock', 'ads', 'zeta']);
    expect(streamLabel(en, 'customers')).toBe('Customers');
    expect(streamLabel(vi, '')).toBe('Đang bắt đầu…');
  });

  it('groups thousands the way each language does', () => {
    expect(recordsText(vi, (n) => new Intl.NumberFormat('vi-VN').format(n), 1234)).toBe('1.234 bản ghi');
    expect(recordsText(en, (n) => new Intl.NumberFormat('en-US').format(n), 1234)).toBe('1,234 records');
  });
});

describe('agoText', () => {
  const now = Date.parse('2026-11-24T18:30:00Z');
  it('says how long ago, in each language, for the middle of a sentence', () => {
    expect(agoText('en', '2026-11-24T18:25:00Z', now)).toBe('5 minutes ago');
    expect(agoText('vi', '2026-11-24T18:25:00Z', now)).toBe('5 phút trước');
    expect(agoText('en', '2026-11-24T15:30:00Z', now)).toBe('3 hours ago');
    expect(agoText('en', '2026-11-23T18:00:00Z', now)).toBe('yesterday');
    expect(agoText('vi', '2026-11-23T18:00:00Z', now)).toBe('hôm qua');
    expect(agoText('en', '2026-11-20T18:30:00Z', now)).toBe('4 days ago');
  });

  it('takes a clock a little ahead as now', () => {
    expect(agoText('en', '2026-11-24T18:30:20Z', now)).toBe('now');
  });
});
