//! The ten totals of the report.

import { usePreferences } from '../../i18n';
import type { Report } from '../../types';
import { Kpi } from './Kpi';
import { useFigures } from './useFigures';

export function Kpis({ report }: { report: Report }) {
  const { t } = usePreferences();
  const f = useFigures(report);
  const m = report.totals;
  return (
    <section aria-label={t('analytics.kpis')} className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
      <Kpi label={t('analytics.spend')} value={f.spend(m.spendMinor)} accent="var(--meta)" />
      <Kpi label={t('analytics.impressions')} value={f.count(m.impressions)} />
      <Kpi label={t('analytics.clicks')} value={f.count(m.clicks)} />
      <Kpi label={t('analytics.metaPurchases')} value={f.count(m.metaPurchases)} />
      <Kpi label={t('analytics.metaValue')} value={f.spend(m.metaPurchaseValueMinor)} accent="#8b5cf6" />
      <Kpi label={t('analytics.revenue')} value={f.revenue(m.revenueMinor)} accent="var(--pancake)" />
      <Kpi label={t('analytics.orders')} value={f.count(m.orders)} />
      <Kpi label={t('analytics.aov')} value={f.revenue(m.averageOrderValueMinor)} />
      <Kpi label={t('analytics.roasMeta')} value={f.roas(m.roasMeta)} />
      <Kpi label={t('analytics.roasPos')} value={f.roas(m.roasPos)} />
    </section>
  );
}
