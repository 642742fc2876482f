//! Language and theme. A change applies at once and is saved through the core; if saving fails
//! the change stays for this session and the error is shown.

import { useState } from 'react';

import { backend, toBackendError } from '../backend';
import { usePreferences, type MessageKey } from '../i18n';
import type { AppStatus, Language, Preferences, Theme } from '../types';

function Segmented<T extends string>({
  legend,
  name,
  value,
  options,
  onChange,
}: {
  legend: string;
  name: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
}) {
  return (
    <fieldset className="m-0 flex flex-col gap-2 border-0 p-0">
      <legend className="label mb-2 p-0">{legend}</legend>
      <div className="segmented self-start">
        {options.map((option) => (
          <label key={option.value}>
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
            />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Settings, usable before sign-in too (from the welcome screens' corner). */
export function SettingsPanel({ status }: { status?: AppStatus | null }) {
  const { preferences, replace, t } = usePreferences();
  const [error, setError] = useState<string | null>(null);

  const save = (patch: Partial<Preferences>) => {
    const next = { ...preferences, ...patch };
    replace(next);
    setError(null);
    backend.setPreferences(next).then(
      (saved) => replace(saved),
      (err: unknown) => setError(toBackendError(err).message),
    );
  };

  const languages: { value: Language | 'system'; label: string }[] = [
    { value: 'system', label: t('settings.languageSystem') },
    { value: 'vi', label: 'Tiếng Việt' },
    { value: 'en', label: 'English' },
  ];
  const themes: { value: Theme; label: string }[] = (
    [
      ['system', 'settings.themeSystem'],
      ['light', 'settings.themeLight'],
      ['dark', 'settings.themeDark'],
    ] as [Theme, MessageKey][]
  ).map(([value, key]) => ({ value, label: t(key) }));

  return (
    <div className="flex flex-col gap-6">
      <Segmented
        legend={t('settings.language')}
        name="language"
        value={preferences.language ?? 'system'}
        options={languages}
        onChange={(value) => save({ language: value === 'system' ? null : value })}
      />
      <Segmented
        legend={t('settings.theme')}
        name="theme"
        value={preferences.theme}
        options={themes}
        onChange={(theme) => save({ theme })}
      />
      {status && (
        <div className="flex flex-col gap-1">
          <span className="label">{t('settings.database')}</span>
          <span className="text-sm">
            {status.mode === 'shared' ? t('settings.databaseShared') : t('settings.databaseStandalone')}
          </span>
          <code className="text-xs break-all text-muted">{status.dataDir}</code>
        </div>
      )}
      {error && (
        <div className="alert" role="alert">
          <p>{t('settings.saveFailed', { message: error })}</p>
        </div>
      )}
    </div>
  );
}

export function SettingsPage({ status, onBack }: { status?: AppStatus | null; onBack: () => void }) {
  const { t } = usePreferences();
  return (
    <div className="mx-auto flex w-full max-w-2xl flex-col gap-5">
      <div>
        <button type="button" className="btn btn-ghost btn-sm -ml-2" onClick={onBack}>
          <span aria-hidden="true">←</span> {t('list.title')}
        </button>
        <h1 className="m-0 mt-2 text-2xl">{t('settings.title')}</h1>
        <p className="m-0 mt-1 text-sm text-muted">{t('settings.lead')}</p>
      </div>
      <section className="card p-6" aria-label={t('settings.title')}>
        <SettingsPanel status={status} />
      </section>
    </div>
  );
}

/** A compact language picker for the screens before sign-in. */
export function LanguageSelect() {
  const { preferences, language, replace, t } = usePreferences();
  return (
    <label className="flex items-center gap-2 text-sm text-muted">
      <span>{t('settings.language')}</span>
      <select
        className="input w-auto py-1 text-sm"
        value={language}
        onChange={(event) => {
          const next = { ...preferences, language: event.target.value as Language };
          replace(next);
          backend.setPreferences(next).catch(() => undefined);
        }}
      >
        <option value="vi">Tiếng Việt</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}
