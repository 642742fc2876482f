//! By day, campaign, ad or store.

import type { KeyboardEvent } from 'react';

import { usePreferences, type MessageKey } from '../../i18n';
import type { ReportGrouping } from '../../types';

const GROUPINGS: ReportGrouping[] = ['day', 'campaign', 'ad', 'store'];

/** The grouping tabs: arrows move between them (and choose), as tabs do. */
export function GroupingTabs({ by, onBy }: { by: ReportGrouping; onBy: (by: ReportGrouping) => void }) {
  const { t } = usePreferences();
  const onKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = GROUPINGS[(GROUPINGS.indexOf(by) + step + GROUPINGS.length) % GROUPINGS.length];
    onBy(next);
    document.getElementById(`analytics-tab-${next}`)?.focus();
  };
  return (
    <div role="tablist" aria-label={t('analytics.grouping')} className="segmented self-start">
      {GROUPINGS.map((g) => (
        <button
          key={g}
          type="button"
          role="tab"
          id={`analytics-tab-${g}`}
          aria-selected={by === g}
          aria-controls="analytics-panel"
          tabIndex={by === g ? 0 : -1}
          className="segmented-tab"
          onClick={() => onBy(g)}
          onKeyDown={onKey}
        >
          {t(`analytics.by.${g}` as MessageKey)}
        </button>
      ))}
    </div>
  );
}
