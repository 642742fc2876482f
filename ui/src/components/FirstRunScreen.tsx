import { useState, type FormEvent, type ReactNode } from 'react';

import { backend, toBackendError } from '../backend';
import { useT } from '../i18n';
import type { AppStatus, ErrorPayload } from '../types';
import { WelcomeCard } from './AuthScreen';
import { ErrorAlert } from './ErrorAlert';
import { Field } from './Field';

/** First run: the embedded database, or a shared PostgreSQL (URL and master key are secrets). */
export function FirstRunScreen({ onConfigured, corner }: { onConfigured: (status: AppStatus) => void; corner?: ReactNode }) {
  const t = useT();
  const [choice, setChoice] = useState<'embedded' | 'shared'>('embedded');
  const [postgresUrl, setPostgresUrl] = useState('');
  const [masterKey, setMasterKey] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const status = await backend.configureDatabase(
        choice === 'embedded' ? { postgresUrl: null, masterKey: null } : { postgresUrl, masterKey },
      );
      if (status.coreError) {
        setError(status.coreError);
        setPending(false);
      } else {
        onConfigured(status);
      }
    } catch (err) {
      setError(toBackendError(err));
      setPending(false);
    }
  };

  const option = (value: 'embedded' | 'shared', title: string, hint: string) => (
    <label className="choice cursor-default items-start">
      <input
        type="radio"
        name="database"
        value={value}
        className="mt-1"
        checked={choice === value}
        onChange={() => setChoice(value)}
      />
      <span>
        <span className="block font-semibold">{title}</span>
        <span className="hint block">{hint}</span>
      </span>
    </label>
  );

  return (
    <WelcomeCard corner={corner}>
      <h2 className="mt-0 mb-1 text-lg">{t('firstRun.title')}</h2>
      <p className="mt-0 mb-5 text-sm text-muted">{t('firstRun.lead')}</p>
      <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label={t('firstRun.storage')}>
        <fieldset className="m-0 flex flex-col gap-2 border-0 p-0">
          <legend className="label mb-2">{t('firstRun.storage')}</legend>
          {option('embedded', t('firstRun.embedded'), t('firstRun.embeddedHint'))}
          {option('shared', t('firstRun.shared'), t('firstRun.sharedHint'))}
        </fieldset>
        {choice === 'shared' && (
          <div className="flex flex-col gap-4 rounded-xl border border-line bg-subtle p-4">
            <Field
              label={t('firstRun.postgresUrl')}
              hint={t('firstRun.postgresUrlHint')}
              type="password"
              autoComplete="off"
              spellCheck={false}
              required
              value={postgresUrl}
              onChange={setPostgresUrl}
            />
            <Field
              label={t('firstRun.masterKey')}
              hint={t('firstRun.masterKeyHint')}
              type="password"
              autoComplete="off"
              required
              value={masterKey}
              onChange={setMasterKey}
            />
          </div>
        )}
        {error && <ErrorAlert error={error} />}
        <button type="submit" className="btn btn-primary w-full py-2" disabled={pending}>
          {pending ? t('firstRun.configuring') : t('firstRun.continue')}
        </button>
      </form>
    </WelcomeCard>
  );
}
