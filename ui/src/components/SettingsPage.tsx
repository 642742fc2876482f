//! Language and theme (this computer's). A change applies at once and is saved through the core;
//! if saving fails the change stays for this session and the error is shown.
//!
//! The workspace's time zone (everyone's): the days its reports are counted in. It is the core's,
//! so a change shows only once the core took it; it needs the server in shared mode. The
//! workspace's alert thresholds too, except that offline the core queues them on this computer
//! and sends them when the server is back.

import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';

import { backend, toBackendError, type BackendError } from '../backend';
import { useConnectivity } from '../connectivity';
import { usePreferences, type MessageKey } from '../i18n';
import { useBackendError, useSession } from '../session';
import type { AlertSettings, AppStatus, JoinedWorkspace, Language, Preferences, Theme } from '../types';
import { AboutSection, StartAtLogin } from './AboutSection';
import { ConfirmDialog } from './ConfirmDialog';
import { ErrorAlert } from './ErrorAlert';
import { BackToList } from './PageHeader';
import { useToast } from './Toasts';

/** Where most workspaces are: shown first, so Vietnam's zone is never hunted for. */
export const COMMON_TIME_ZONES = [
  'Asia/Ho_Chi_Minh',
  'Asia/Bangkok',
  'Asia/Jakarta',
  'Asia/Singapore',
  'Asia/Manila',
  'Asia/Kuala_Lumpur',
  'UTC',
];

/** The name this browser files a zone under (e.g. Asia/Saigon for Asia/Ho_Chi_Minh), or null. */
function canonicalZone(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The select's two groups: the common zones (and the current one, should the list not have it),
 * then every other IANA zone the browser knows, without second names of the common ones.
 */
export function timeZoneOptions(current: string): { common: string[]; all: string[] } {
  const supported = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const taken = new Set<string>(COMMON_TIME_ZONES);
  for (const zone of COMMON_TIME_ZONES) {
    const canonical = canonicalZone(zone);
    if (canonical) taken.add(canonical);
  }
  const all = supported.filter((zone) => !taken.has(zone));
  const common = COMMON_TIME_ZONES.includes(current) || all.includes(current) ? COMMON_TIME_ZONES : [current, ...COMMON_TIME_ZONES];
  return { common, all };
}

const offsets = new Map<string, string>();
/** "Asia/Ho_Chi_Minh (GMT+7)": the name the core stores, and today's offset to recognise it by. */
function zoneLabel(zone: string): string {
  let offset = offsets.get(zone);
  if (offset === undefined) {
    try {
      offset =
        new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' })
          .formatToParts(new Date())
          .find((part) => part.type === 'timeZoneName')?.value ?? '';
    } catch {
      offset = '';
    }
    offsets.set(zone, offset);
  }
  return offset ? `${zone} (${offset})` : zone;
}

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
    <div className="stack gap-6">
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
            {status.workspace
              ? t('settings.sharedWorkspace')
              : status.mode === 'shared'
                ? t('settings.databaseShared')
                : t('settings.databaseStandalone')}
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

/** The workspace's time zone, saved through the core on change. */
function WorkspaceSettings() {
  const { t } = usePreferences();
  const { account, updated } = useSession();
  const asError = useBackendError();
  const notify = useToast();
  const { offline, refresh: refreshConnectivity } = useConnectivity();
  /** The zone being saved: shown in the select until the core answers. */
  const [saving, setSaving] = useState<string | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const id = useId();
  const { common, all } = useMemo(() => timeZoneOptions(account.timeZone), [account.timeZone]);

  const change = async (zone: string) => {
    if (saving !== null || zone === account.timeZone) return;
    setSaving(zone);
    setError(null);
    try {
      const next = await backend.setTimeZone(zone);
      updated(next);
      notify('success', t('settings.timeZoneSaved', { zone: next.timeZone }));
    } catch (err) {
      // The select goes back to the workspace's zone, which did not change.
      const failure = asError(err);
      setError(failure);
      if (failure.code === 'OFFLINE') refreshConnectivity();
    } finally {
      setSaving(null);
    }
  };

  const describedBy = [`${id}-hint`, offline ? `${id}-offline` : null].filter(Boolean).join(' ');
  return (
    <div className="flex flex-col gap-3">
      <div className="field">
        <label htmlFor={id}>{t('settings.timeZone')}</label>
        <div className="flex items-center gap-3">
          <select
            id={id}
            className="input max-w-sm disabled:cursor-not-allowed disabled:bg-subtle disabled:opacity-70"
            value={saving ?? account.timeZone}
            disabled={offline}
            title={offline ? t('connectivity.needsServer') : undefined}
            aria-describedby={describedBy}
            aria-busy={saving !== null || undefined}
            onChange={(event) => void change(event.target.value)}
          >
            {[
              { label: t('settings.timeZoneCommon'), zones: common },
              { label: t('settings.timeZoneAll'), zones: all },
            ].map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.zones.map((zone) => (
                  <option key={zone} value={zone}>
                    {zoneLabel(zone)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {saving !== null && (
            <span role="status" className="text-sm text-muted">
              {t('settings.timeZoneSaving')}
            </span>
          )}
        </div>
        <p className="hint" id={`${id}-hint`}>
          {t('settings.timeZoneHint')}
        </p>
      </div>
      {offline && (
        <p className="m-0 rounded-lg bg-subtle px-3 py-2 text-sm text-muted" id={`${id}-offline`}>
          {t('settings.timeZoneOffline')}
        </p>
      )}
      {error && <ErrorAlert error={error} message={t('settings.timeZoneFailed', { message: error.message })} />}
    </div>
  );
}

/**
 * The shared workspace this computer joined: its name and server (nothing secret), and *Leave*,
 * which asks first. Leaving signs out and takes the code, the key and the local copy off this
 * computer; the app then starts again from the first-run choice (or its own database).
 */
function JoinedWorkspaceSettings({ workspace, onLeft }: { workspace: JoinedWorkspace; onLeft: () => void }) {
  const { t } = usePreferences();
  const [asking, setAsking] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);

  const leave = async () => {
    setPending(true);
    setError(null);
    try {
      await backend.leaveWorkspace();
      setAsking(false);
      onLeft();
    } catch (err) {
      setError(toBackendError(err));
      setAsking(false);
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <dl className="m-0 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
        <dt className="label">{t('settings.joinedName')}</dt>
        <dd className="m-0 font-medium" data-testid="joined-workspace">
          {workspace.workspaceName}
        </dd>
        <dt className="label">{t('settings.joinedServer')}</dt>
        <dd className="m-0 break-all">
          <code data-testid="joined-server">{workspace.server}</code>
        </dd>
        <dt className="label">{t('settings.joinedKey')}</dt>
        <dd className="m-0">{workspace.keyLocation === 'keychain' ? t('settings.keyInKeychain') : t('settings.keyInFile')}</dd>
      </dl>
      <div>
        <button type="button" className="btn btn-danger" onClick={() => setAsking(true)}>
          {t('settings.leave')}
        </button>
      </div>
      {error && <ErrorAlert error={error} message={t('settings.leaveFailed', { message: error.message })} />}
      {asking && (
        <ConfirmDialog
          title={t('settings.leaveTitle')}
          question={t('settings.leaveConfirm', { name: workspace.workspaceName })}
          detail={t('settings.leaveDetail')}
          action={pending ? t('settings.leaving') : t('settings.leave')}
          pending={pending}
          onCancel={() => setAsking(false)}
          onConfirm={() => void leave()}
        />
      )}
    </div>
  );
}

/** One threshold: its label, its field in AlertSettings, and the range the core accepts. */
const THRESHOLDS: { key: keyof AlertSettings; label: MessageKey; min: number; max: number; step?: number; hundredths?: boolean }[] = [
  { key: 'spendSpikePercent', label: 'settings.spendSpikePercent', min: 101, max: 10000 },
  { key: 'roasFloorPercent', label: 'settings.roasFloor', min: 0, max: 1000, step: 0.01, hundredths: true },
  { key: 'roasDropPercent', label: 'settings.roasDropPercent', min: 1, max: 100 },
  { key: 'quietWeeks', label: 'settings.quietWeeks', min: 1, max: 12 },
  { key: 'quietMinMinutes', label: 'settings.quietMinMinutes', min: 15, max: 10080 },
  { key: 'syncFailingHours', label: 'settings.syncFailingHours', min: 1, max: 168 },
  { key: 'tokenExpiryDays', label: 'settings.tokenExpiryDays', min: 1, max: 60 },
];

/** The workspace's alert thresholds, saved through the core (which checks them again). */
function AlertSettingsPanel() {
  const { t } = usePreferences();
  const asError = useBackendError();
  const notify = useToast();
  const { offline } = useConnectivity();
  /** What the fields show: text, so a half-typed number is not forced into shape. */
  const [fields, setFields] = useState<Record<string, string> | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const id = useId();

  useEffect(() => {
    backend.alertSettings().then(
      (settings) =>
        setFields(
          Object.fromEntries(
            THRESHOLDS.map(({ key, hundredths }) => [key, hundredths ? (settings[key] / 100).toFixed(2) : String(settings[key])]),
          ),
        ),
      (err: unknown) => setError(asError(err)),
    );
  }, [asError]);

  const save = async () => {
    if (!fields) return;
    setSaving(true);
    setError(null);
    try {
      const settings = Object.fromEntries(
        THRESHOLDS.map(({ key, hundredths }) => {
          const value = Number(fields[key].replace(',', '.'));
          return [key, hundredths ? Math.round(value * 100) : Math.round(value)];
        }),
      ) as unknown as AlertSettings;
      await backend.setAlertSettings(settings);
      // Offline the core keeps them on this computer and sends them when the server is back.
      notify('success', t(offline ? 'settings.alertsQueued' : 'settings.alertsSaved'));
    } catch (err) {
      setError(asError(err));
    } finally {
      setSaving(false);
    }
  };

  if (!fields) {
    return error ? <ErrorAlert error={error} /> : <p className="m-0 text-sm text-muted">{t('common.loading')}</p>;
  }
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        {THRESHOLDS.map(({ key, label, min, max, step }) => (
          <div className="field" key={key}>
            <label htmlFor={`${id}-${key}`}>{t(label)}</label>
            <input
              id={`${id}-${key}`}
              className="input"
              type="number"
              inputMode="decimal"
              min={min}
              max={max}
              step={step ?? 1}
              value={fields[key]}
              onChange={(event) => setFields({ ...fields, [key]: event.target.value })}
            />
          </div>
        ))}
      </div>
      {offline && <p className="m-0 rounded-lg bg-subtle px-3 py-2 text-sm text-muted">{t('settings.alertsOffline')}</p>}
      {error && <ErrorAlert error={error} message={t('settings.alertsFailed', { message: error.message })} />}
      <div>
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {saving ? t('common.saving') : t('common.save')}
        </button>
      </div>
    </form>
  );
}

function SettingsSection({ title, lead, children }: { title: string; lead: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card flex flex-col gap-5 p-6" aria-labelledby={id}>
      <div>
        <h2 className="m-0 text-lg" id={id}>
          {title}
        </h2>
        <p className="m-0 mt-0.5 text-sm text-muted">{lead}</p>
      </div>
      {children}
    </section>
  );
}

export function SettingsPage({
  status,
  onBack,
  onLeftWorkspace,
}: {
  status?: AppStatus | null;
  onBack: () => void;
  /** After leaving the joined workspace: the app starts again on this computer's own database. */
  onLeftWorkspace?: () => void;
}) {
  const { t } = usePreferences();
  const { account } = useSession();
  return (
    <div className="mx-auto flex w-full max-w-2xl flex-col gap-5">
      <div>
        <BackToList onClick={onBack} />
        <h1 className="m-0 mt-2 text-2xl">{t('settings.title')}</h1>
      </div>
      <SettingsSection title={t('settings.computer')} lead={t('settings.lead')}>
        <SettingsPanel status={status} />
        <StartAtLogin />
      </SettingsSection>
      <SettingsSection title={t('settings.workspace')} lead={t('settings.workspaceLead', { name: account.tenantName })}>
        <WorkspaceSettings />
      </SettingsSection>
      {status?.workspace && (
        <SettingsSection title={t('settings.sharedWorkspace')} lead={t('settings.sharedWorkspaceLead')}>
          <JoinedWorkspaceSettings workspace={status.workspace} onLeft={() => onLeftWorkspace?.()} />
        </SettingsSection>
      )}
      <SettingsSection title={t('settings.alerts')} lead={t('settings.alertsLead', { name: account.tenantName })}>
        <AlertSettingsPanel />
      </SettingsSection>
      <SettingsSection title={t('settings.about')} lead={t('settings.aboutLead')}>
        <AboutSection />
      </SettingsSection>
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
