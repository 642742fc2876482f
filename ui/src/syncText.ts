//! Sync numbers and names in the user's language: streams ("orders" → "Đơn hàng"), record counts
//! (1.234 in Vietnamese), intervals and durations. Pure, so both the progress bars and the
//! history dialog (and their tests) say the same thing.

import { localeOf, type MessageKey, type Translate } from './i18n';
import type { Language } from './types';

/** The streams the core knows, in the order a run goes through them. */
const STREAM_ORDER = ['orders', 'variations', 'stock', 'insights', 'ads'];

/** "orders" → "Orders" / "Đơn hàng"; a stream this UI does not know yet keeps its own name. */
export function streamLabel(t: Translate, stream: string): string {
  if (STREAM_ORDER.includes(stream)) return t(`stream.${stream}` as MessageKey);
  return stream ? stream.charAt(0).toUpperCase() + stream.slice(1) : t('sync.starting');
}

/** A run's counts, known streams first in run order, then the others by name. */
export function orderedCounts(counts: Record<string, number>): [string, number][] {
  const rank = (stream: string) => {
    const index = STREAM_ORDER.indexOf(stream);
    return index < 0 ? STREAM_ORDER.length : index;
  };
  return Object.entries(counts).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** "1,234 records" / "1.234 bản ghi". */
export function recordsText(t: Translate, formatNumber: (n: number) => string, count: number): string {
  return t(count === 1 ? 'sync.recordsOne' : 'sync.recordsMany', { count: formatNumber(count) });
}

/** The interval as the schedule line says it: "60 minutes", "3 hours". */
export function everyText(t: Translate, minutes: number): string {
  if (minutes >= 120 && minutes % 60 === 0) return t('interval.hours', { count: minutes / 60 });
  return t('interval.minutes', { count: minutes });
}

/** The interval as the select offers it: "30 minutes", "1 hour", "24 hours". */
export function intervalOption(t: Translate, minutes: number): string {
  if (minutes === 60) return t('interval.hour');
  if (minutes % 60 === 0) return t('interval.hours', { count: minutes / 60 });
  return t('interval.minutes', { count: minutes });
}

/** The intervals offered; the current one is added if it is none of them (set from the CLI). */
export const INTERVAL_CHOICES = [15, 30, 60, 180, 360, 720, 1440];

/** "45 s", "2 min 5 s", "1 h 3 min"; null when the run has not finished. */
export function durationText(t: Translate, startedAt: string, finishedAt: string | null): string | null {
  if (!finishedAt) return null;
  const ms = new Date(finishedAt).getTime() - new Date(startedAt).getTime();
  if (Number.isNaN(ms)) return null;
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return t('duration.hours', { h, m });
  if (m > 0) return t('duration.minutes', { m, s });
  return t('duration.seconds', { s });
}

/** Whether two instants fall on the same day where the user is. */
export function sameLocalDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * How long ago `iso` was, in words: "5 minutes ago" / "5 phút trước", "yesterday" / "hôm qua".
 * A time a little in the future (another computer's clock) counts as now. Meant for the middle
 * of a sentence, so Vietnamese's capitalised "Hôm qua" comes back as "hôm qua".
 */
export function agoText(language: Language, iso: string, now: number = Date.now()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  const format = new Intl.RelativeTimeFormat(localeOf(language), { numeric: 'auto' });
  const minutes = Math.round(seconds / 60);
  const hours = Math.round(minutes / 60);
  const text =
    seconds < 60
      ? format.format(-seconds, 'second')
      : minutes < 60
        ? format.format(-minutes, 'minute')
        : hours < 24
          ? format.format(-hours, 'hour')
          : format.format(-Math.round(hours / 24), 'day');
  return language === 'vi' ? text.charAt(0).toLocaleLowerCase('vi') + text.slice(1) : text;
}
