//! Settings → About: the version and commit (the same as `integrations --version`), where the
//! data and the logs are, a button that opens the logs folder, and updates. And the computer's
//! start-at-login switch (off until the user turns it on).

import { useEffect, useId, useRef, useState } from 'react';

import { backend, toBackendError, type BackendError } from '../backend';
import { usePreferences } from '../i18n';
import type { About } from '../types';
import { useUpdates } from '../updates';
import { ErrorAlert } from './ErrorAlert';
import { Switch } from './Switch';
import { UpdatePanel } from './UpdatePanel';

/** "Start at login": what the system says, changed by the switch. */
export function StartAtLogin() {
  const { t } = usePreferences();
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const hint = useId();

  useAskOnce(backend.getAutostart, setEnabled, setError);

  const change = async (next: boolean) => {
    setSaving(true);
    setError(null);
    try {
      setEnabled(await backend.setAutostart(next));
    } catch (err) {
      setError(toBackendError(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="flex flex-col gap-2">
      <div className="flex items-center gap-3">
        <Switch
          checked={enabled ?? false}
          label={t('settings.startAtLogin')}
          describedBy={hint}
          disabled={enabled === null || saving}
          onChange={(next) => void change(next)}
        />
        <span className="text-sm font-medium" aria-hidden="true">
          {t('settings.startAtLogin')}
        </span>
      </div>
      <p className="hint m-0" id={hint}>
        {t('settings.startAtLoginHint')}
      </p>
      {error && <ErrorAlert error={error} />}
    </div>
  );
}

function Row({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="flex flex-col gap-0.5 sm:flex-row sm:gap-4">
      <dt className="label w-36 flex-none">{label}</dt>
      <dd className="m-0 min-w-0 text-sm break-all">
        <code data-testid={testId}>{value}</code>
      </dd>
    </div>
  );
}

export function AboutSection() {
  const { t } = usePreferences();
  const { phase, check } = useUpdates();
  const [about, setAbout] = useState<About | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [openError, setOpenError] = useState<BackendError | null>(null);

  useAskOnce(backend.about, setAbout, setError);

  const openLogs = async () => {
    setOpenError(null);
    try {
      await backend.openLogFolder();
    } catch (err) {
      setOpenError(toBackendError(err));
    }
  };

  let checkStatus: string | null = null;
  if (phase.phase === 'checking') checkStatus = t('update.checking');
  else if (phase.phase === 'latest') checkStatus = t('update.latest');

  return (
    <div className="flex flex-col gap-5">
      {error && <ErrorAlert error={error} />}
      <dl className="m-0 flex flex-col gap-2">
        <Row label={t('about.version')} value={about?.version ?? ''} testId="about-version" />
        <Row label={t('about.commit')} value={about?.commit ?? ''} testId="about-commit" />
        <Row label={t('about.dataDir')} value={about?.dataDir ?? ''} testId="about-data-dir" />
        <Row label={t('about.logDir')} value={about?.logDir ?? ''} testId="about-log-dir" />
      </dl>
      <div className="flex flex-col gap-2">
        <div className="flex flex-wrap items-center gap-2">
          <button type="button" className="btn btn-sm" onClick={() => void openLogs()}>
            {t('about.openLogs')}
          </button>
          <button
            type="button"
            className="btn btn-sm"
            disabled={phase.phase === 'checking' || phase.phase === 'installing' || phase.phase === 'restarting'}
            onClick={() => void check()}
          >
            {t('update.check')}
          </button>
          {checkStatus && (
            <span role="status" className="text-sm text-muted">
              {checkStatus}
            </span>
          )}
        </div>
        {openError && <ErrorAlert error={openError} />}
        {phase.phase === 'check-failed' && <ErrorAlert error={phase.error} />}
      </div>
      <UpdatePanel variant="about" />
    </div>
  );
}

/** Asks the core once, when the section appears; an answer that comes after it is gone is dropped. */
function useAskOnce<T>(ask: () => Promise<T>, onValue: (value: T) => void, onError: (error: BackendError) => void) {
  const first = useRef({ ask, onValue, onError });
  useEffect(() => {
    let stopped = false;
    const { ask, onValue, onError } = first.current;
    ask().then(
      (value) => !stopped && onValue(value),
      (err: unknown) => !stopped && onError(toBackendError(err)),
    );
    return () => {
      stopped = true;
    };
  }, []);
}
