import { useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';

import { backend, toBackendError } from '../backend';
import { useT, type MessageKey } from '../i18n';
import type { AppStatus, ErrorPayload } from '../types';
import { WelcomeCard } from './AuthScreen';
import { ErrorAlert } from './ErrorAlert';

/** What each way of failing to join means for the person at the screen, in their language. */
const JOIN_ERRORS: Partial<Record<ErrorPayload['code'], MessageKey>> = {
  VALIDATION: 'firstRun.joinError.invalid',
  UNAUTHENTICATED: 'firstRun.joinError.refused',
  DATABASE_UNAVAILABLE: 'firstRun.joinError.unreachable',
};

/**
 * First run: the embedded database (the default), or joining a shared workspace with the
 * connection code its administrator gave (pasted, or read from the file they sent). The code is
 * a secret: it goes to the core once and is never shown back.
 */
export function FirstRunScreen({ onConfigured, corner }: { onConfigured: (status: AppStatus) => void; corner?: ReactNode }) {
  const t = useT();
  const [choice, setChoice] = useState<'embedded' | 'join'>('embedded');
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [fileError, setFileError] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const status =
        choice === 'embedded'
          ? await backend.configureDatabase({ postgresUrl: null, masterKey: null })
          : await backend.joinWorkspace(code.trim());
      if (status.coreError) {
        setError(status.coreError);
        setPending(false);
      } else {
        setCode('');
        onConfigured(status);
      }
    } catch (err) {
      setError(toBackendError(err));
      setPending(false);
    }
  };

  const openFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    // The same file can be chosen again after a failure.
    event.target.value = '';
    if (!file) return;
    setError(null);
    try {
      // A code is one line of a few hundred characters; anything far larger is not one.
      if (file.size > 64 * 1024) throw new Error('too large');
      setCode((await file.text()).trim());
      setFileError(false);
    } catch {
      setFileError(true);
    }
  };

  const option = (value: 'embedded' | 'join', title: string, hint: string) => (
    <label className="choice cursor-default items-start">
      <input
        type="radio"
        name="database"
        value={value}
        className="mt-1"
        checked={choice === value}
        onChange={() => {
          setChoice(value);
          setError(null);
        }}
      />
      <span>
        <span className="block font-semibold">{title}</span>
        <span className="hint block">{hint}</span>
      </span>
    </label>
  );

  const errorKey = error ? JOIN_ERRORS[error.code] : undefined;
  return (
    <WelcomeCard corner={corner}>
      <h2 className="mt-0 mb-1 text-lg">{t('firstRun.title')}</h2>
      <p className="mt-0 mb-5 text-sm text-muted">{t('firstRun.lead')}</p>
      <form onSubmit={onSubmit} className="stack gap-4" aria-label={t('firstRun.storage')}>
        <fieldset className="m-0 flex flex-col gap-2 border-0 p-0">
          <legend className="label mb-2">{t('firstRun.storage')}</legend>
          {option('embedded', t('firstRun.embedded'), t('firstRun.embeddedHint'))}
          {option('join', t('firstRun.join'), t('firstRun.joinHint'))}
        </fieldset>
        {choice === 'join' && (
          <div className="flex flex-col gap-3 rounded-xl border border-line bg-subtle p-4">
            <div className="field">
              <label htmlFor="join-code">{t('firstRun.code')}</label>
              <textarea
                id="join-code"
                className="input min-h-24 font-mono text-xs break-all"
                aria-describedby="join-code-hint"
                autoComplete="off"
                autoCorrect="off"
                autoCapitalize="off"
                spellCheck={false}
                required
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
              <p className="hint" id="join-code-hint">
                {t('firstRun.codeHint')}
              </p>
            </div>
            <div>
              <input
                ref={fileInput}
                type="file"
                accept=".code,.txt,text/plain"
                className="hidden"
                data-testid="join-code-file"
                onChange={(event) => void openFile(event)}
              />
              <button type="button" className="btn btn-sm" onClick={() => fileInput.current?.click()}>
                {t('firstRun.openCodeFile')}
              </button>
            </div>
            {fileError && (
              <div className="alert" role="alert">
                <p>{t('firstRun.codeFileUnreadable')}</p>
              </div>
            )}
          </div>
        )}
        {error && <ErrorAlert error={error} message={errorKey && t(errorKey)} />}
        <button type="submit" className="btn btn-primary w-full py-2" disabled={pending}>
          {pending
            ? choice === 'join'
              ? t('firstRun.joining')
              : t('firstRun.configuring')
            : choice === 'join'
              ? t('firstRun.joinButton')
              : t('firstRun.continue')}
        </button>
      </form>
    </WelcomeCard>
  );
}
