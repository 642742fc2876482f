//! What the report covers: the range (a preset or two days), the store, and the time zone its
//! days are counted in.

import { StoreOptions } from '../../components/StoreOptions';
import { usePreferences, type MessageKey } from '../../i18n';
import type { Integration } from '../../types';
import { PRESETS, type Preset, type Range } from './analytics';
import { DateField } from './DateField';

export function Filters({
  preset,
  onPreset,
  custom,
  onCustom,
  problem,
  store,
  stores,
  onStore,
  timeZone,
}: {
  preset: Preset;
  onPreset: (preset: Preset) => void;
  custom: Range;
  onCustom: (range: Range) => void;
  problem: string | null;
  store: string;
  stores: Integration[];
  onStore: (id: string) => void;
  timeZone: string;
}) {
  const { t } = usePreferences();
  return (
    <section aria-label={t('analytics.filters')} className="card flex flex-wrap items-end gap-x-6 gap-y-3 px-5 py-3">
      <fieldset className="m-0 flex flex-col gap-1.5 border-0 p-0">
        <legend className="label mb-1.5 p-0">{t('analytics.range')}</legend>
        <div className="segmented">
          {PRESETS.map((p) => (
            <label key={p}>
              <input type="radio" name="analytics-range" value={p} checked={preset === p} onChange={() => onPreset(p)} />
              {t(`analytics.preset.${p}` as MessageKey)}
            </label>
          ))}
        </div>
      </fieldset>
      {preset === 'custom' && (
        <div className="flex flex-col gap-1.5">
          <div className="flex items-end gap-3">
            <DateField label={t('analytics.from')} value={custom.from} invalid={problem !== null} onChange={(from) => onCustom({ ...custom, from })} />
            <DateField label={t('analytics.to')} value={custom.to} invalid={problem !== null} onChange={(to) => onCustom({ ...custom, to })} />
          </div>
          {problem && (
            <p className="m-0 text-sm text-danger" role="alert" id="analytics-range-problem">
              {problem}
            </p>
          )}
        </div>
      )}
      <div className="field min-w-[13rem]">
        <label htmlFor="analytics-store">{t('analytics.store')}</label>
        <select id="analytics-store" className="input" value={store} onChange={(event) => onStore(event.target.value)}>
          <StoreOptions empty={t('analytics.allStores')} stores={stores} />
        </select>
      </div>
      <p className="m-0 ml-auto self-end pb-2 text-xs text-muted" data-testid="analytics-time-zone">
        {t('analytics.timeZone', { zone: timeZone })}
      </p>
    </section>
  );
}
