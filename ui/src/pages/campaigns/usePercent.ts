//! Shares as the user reads and types them, in the chosen language: `33.33%` / `33,33%`.

import { useMemo } from 'react';

import { localeOf, usePreferences } from '../../i18n';

export function usePercent() {
  const { language } = usePreferences();
  return useMemo(() => {
    const percent = new Intl.NumberFormat(localeOf(language), { style: 'percent', maximumFractionDigits: 2 });
    return {
      /** Basis points (10000 = 100 %) as a percentage. */
      format: (basisPoints: number) => percent.format(basisPoints / 10_000),
      /** The decimal mark the user types. */
      decimal: (language === 'vi' ? ',' : '.') as ',' | '.',
    };
  }, [language]);
}
