//! The report's figures as the user reads them: money from the exact minor units (money.ts) in
//! the report's currencies, counts, and ROAS, in the chosen language.

import { useMemo } from 'react';

import { localeOf, usePreferences } from '../../i18n';
import { formatMoney } from '../../money';
import type { Report } from '../../types';

/** Figures in the user's language: money from minor units, counts, ROAS as "3.25×" / "3,25×". */
export function useFigures(report: Report | null) {
  const { t, language, formatNumber } = usePreferences();
  return useMemo(() => {
    const ratio = new Intl.NumberFormat(localeOf(language), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const none = t('analytics.none');
    // Without a currency (orders that name none, and no ad account to take one from) the
    // amount is still shown, as a plain number.
    const money = (minor: number | null, currency: string | null | undefined, exponent: number) =>
      minor === null ? none : currency ? formatMoney(minor, currency, exponent, language) : formatNumber(minor);
    const spend = report?.spendCurrency;
    const revenue = report?.revenueCurrency;
    const spendExponent = report?.spendExponent ?? 0;
    const revenueExponent = report?.revenueExponent ?? 0;
    return {
      count: (value: number) => formatNumber(value),
      spend: (minor: number) => money(minor, spend, spendExponent),
      revenue: (minor: number | null) => money(minor, revenue, revenueExponent),
      roas: (value: number | null) => (value === null ? none : t('analytics.roas', { value: ratio.format(value) })),
    };
  }, [t, language, formatNumber, report?.spendCurrency, report?.revenueCurrency, report?.spendExponent, report?.revenueExponent]);
}
