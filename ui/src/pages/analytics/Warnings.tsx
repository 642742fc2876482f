//! The core's warnings about the report's figures (spend that is account-wide, currencies that
//! differ or were assumed).

import { usePreferences } from '../../i18n';
import type { ReportWarning } from '../../types';

function warningText(t: ReturnType<typeof usePreferences>['t'], warning: ReportWarning): string {
  switch (warning.kind) {
    case 'spendIsAccountWide':
      return t('analytics.warn.spendIsAccountWide');
    case 'currenciesDiffer':
      return t('analytics.warn.currenciesDiffer', { spend: warning.spend, revenue: warning.revenue });
    case 'severalOrderCurrencies':
      return t('analytics.warn.severalOrderCurrencies', { currencies: warning.currencies.join(', ') });
    case 'severalSpendCurrencies':
      return t('analytics.warn.severalSpendCurrencies', { currencies: warning.currencies.join(', ') });
    case 'orderCurrencyAssumed':
      return t('analytics.warn.orderCurrencyAssumed', { currency: warning.currency });
  }
}

export function Warnings({ warnings }: { warnings: ReportWarning[] }) {
  const { t } = usePreferences();
  return (
    <div role="note" aria-label={t('analytics.warnings')} className="analytics-warning flex items-start gap-3 rounded-xl px-4 py-3 text-sm">
      <span aria-hidden="true" className="font-bold">
        !
      </span>
      <ul className="m-0 flex list-none flex-col gap-1 p-0">
        {warnings.map((warning) => (
          <li key={warning.kind}>{warningText(t, warning)}</li>
        ))}
      </ul>
    </div>
  );
}
