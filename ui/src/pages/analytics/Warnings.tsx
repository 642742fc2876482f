//! The core's warnings about the report's figures: spend that belongs to no store yet, campaigns
//! reassigned since the range began (their past days moved), currencies that differ or were
//! assumed.

import { usePreferences } from '../../i18n';
import type { Report, ReportWarning } from '../../types';
import { useFigures } from './useFigures';

/** At most this many campaigns are named in a warning; the rest are counted. */
const NAMED = 3;

export function Warnings({ report, onCampaigns }: { report: Report; onCampaigns?: () => void }) {
  const { t, formatDate } = usePreferences();
  const f = useFigures(report);
  const text = (warning: ReportWarning): string => {
    switch (warning.kind) {
      case 'unassignedSpend': {
        const named = warning.campaigns.slice(0, NAMED).map((name) => `“${name}”`);
        const more = warning.campaigns.length - named.length;
        return t('analytics.warn.unassignedSpend', {
          spend: f.spend(warning.spendMinor),
          campaigns: more > 0 ? `${named.join(', ')} +${more}` : named.join(', '),
        });
      }
      case 'reassigned': {
        const campaign = warning.campaignName ?? warning.campaignId;
        const when = formatDate(warning.at);
        return warning.adsetId
          ? t('analytics.warn.reassignedAdSet', { adset: warning.adsetName ?? warning.adsetId, campaign, when })
          : t('analytics.warn.reassigned', { campaign, when });
      }
      case 'currenciesDiffer':
        return t('analytics.warn.currenciesDiffer', { spend: warning.spend, revenue: warning.revenue });
      case 'severalOrderCurrencies':
        return t('analytics.warn.severalOrderCurrencies', { currencies: warning.currencies.join(', ') });
      case 'severalSpendCurrencies':
        return t('analytics.warn.severalSpendCurrencies', { currencies: warning.currencies.join(', ') });
      case 'orderCurrencyAssumed':
        return t('analytics.warn.orderCurrencyAssumed', { currency: warning.currency });
    }
  };
  return (
    <div role="note" aria-label={t('analytics.warnings')} className="analytics-warning flex items-start gap-3 rounded-xl px-4 py-3 text-sm">
      <span aria-hidden="true" className="font-bold">
        !
      </span>
      <ul className="m-0 flex list-none flex-col gap-1 p-0">
        {report.warnings.map((warning, i) => (
          <li key={i}>
            {text(warning)}
            {warning.kind === 'unassignedSpend' && onCampaigns && (
              <>
                {' '}
                <button type="button" className="btn btn-sm ml-1" onClick={onCampaigns}>
                  {t('analytics.assignCampaigns')}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
