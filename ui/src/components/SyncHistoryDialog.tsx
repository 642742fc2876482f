//! One integration's sync history: its schedule (with the interval to change) and its recent
//! runs. Both are read from the mirror in shared mode, so this works offline too; only changing
//! the interval and "Sync now" need the server. Reloaded when the integration's run starts or
//! ends, so a run in progress shows as "Running" and then with its counts.

import { useCallback, useEffect, useId, useRef, useState } from 'react';

import { backend } from '../backend';
import { useConnectivity, useDataChanged } from '../connectivity';
import { usePreferences } from '../i18n';
import { useBackendError } from '../session';
import { syncOf, useSync, useSyncFinished } from '../sync';
import {
  INTERVAL_CHOICES,
  durationText,
  everyText,
  intervalOption,
  orderedCounts,
  sameLocalDay,
  streamLabel,
} from '../syncText';
import type { ErrorPayload, Integration, SyncRun, SyncSchedule } from '../types';
import { DataTable, EmptyList } from './DataTable';
import { ErrorAlert } from './ErrorAlert';
import { IntegrationDialog } from './IntegrationDialog';
import { NeedsServer } from './ProviderCards';
import { SyncNowButton } from './SyncNowButton';
import { SyncProgressBar } from './SyncProgressBar';
import { useToast } from './Toasts';

/** How many runs the dialog shows. */
export const HISTORY_LIMIT = 50;

type Load =
  | { state: 'loading' }
  | { state: 'loaded'; schedule: SyncSchedule | null; runs: SyncRun[] }
  | { state: 'failed'; error: ErrorPayload };

export function SyncHistoryDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const { t, formatDate, formatTime } = usePreferences();
  const notify = useToast();
  const asError = useBackendError();
  const sync = useSync();
  const { offline, refresh: refreshConnectivity } = useConnectivity();
  const { progress, busy } = syncOf(sync, integration.id);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [saving, setSaving] = useState(false);
  const latest = useRef(0);
  const intervalId = useId();
  const id = integration.id;

  /** `quiet`: keep what is shown while reloading (a run started or ended). */
  const reload = useCallback(
    (quiet: boolean) => {
      const request = ++latest.current;
      if (!quiet) setLoad({ state: 'loading' });
      Promise.all([backend.syncSchedule(id), backend.syncHistory(id, HISTORY_LIMIT)]).then(
        ([schedule, runs]) => {
          if (request === latest.current) setLoad({ state: 'loaded', schedule, runs });
        },
        (err: unknown) => {
          const error = asError(err);
          if (request === latest.current && !quiet) setLoad({ state: 'failed', error });
        },
      );
    },
    [asError, id],
  );

  useEffect(() => reload(false), [reload]);
  useSyncFinished(() => reload(true));
  useDataChanged(() => reload(true));
  // The run started (or another one did): it is in the history as "Running".
  const runId = progress?.runId ?? null;
  const seenRun = useRef(runId);
  useEffect(() => {
    if (runId === seenRun.current) return;
    seenRun.current = runId;
    if (runId) reload(true);
  }, [runId, reload]);
  // Turned on or off meanwhile: the schedule appears or goes.
  const enabled = useRef(integration.enabled);
  useEffect(() => {
    if (enabled.current === integration.enabled) return;
    enabled.current = integration.enabled;
    reload(true);
  }, [integration.enabled, reload]);

  const changeInterval = (minutes: number) => {
    setSaving(true);
    backend
      .setSyncInterval(id, minutes)
      .then(
        (schedule) => {
          setLoad((current) => (current.state === 'loaded' ? { ...current, schedule } : current));
          notify('success', t('history.intervalSaved', { name: integration.name, every: everyText(t, minutes) }));
        },
        (err: unknown) => {
          const error = asError(err);
          notify('error', error.message);
          if (error.code === 'OFFLINE') refreshConnectivity();
        },
      )
      .finally(() => setSaving(false));
  };

  const schedule = load.state === 'loaded' ? load.schedule : null;
  let summary = '';
  if (load.state === 'loaded') {
    if (!schedule) summary = t('history.off');
    else {
      const every = everyText(t, schedule.intervalMinutes);
      const next = new Date(schedule.nextRunAt);
      if (schedule.running || progress) summary = t('history.summaryRunning', { every });
      else if (schedule.requested || busy) summary = t('history.summaryRequested', { every });
      else if (next.getTime() <= Date.now()) summary = t('history.summaryDue', { every });
      else {
        const time = sameLocalDay(next, new Date()) ? formatTime(schedule.nextRunAt) : formatDate(schedule.nextRunAt);
        summary = t('history.summary', { every, time });
      }
    }
  }
  const choices = schedule
    ? [...new Set([...INTERVAL_CHOICES, schedule.intervalMinutes])].sort((a, b) => a - b)
    : INTERVAL_CHOICES;

  return (
    <IntegrationDialog title={t('history.title')} integration={integration} onClose={onClose} spacing="gap-5">
      {({ descriptionId }) => (
        <>
          <section
            aria-label={t('history.schedule')}
            className="flex flex-col gap-3 rounded-xl bg-subtle px-4 py-3"
            data-testid="sync-schedule"
          >
            <div className="flex flex-wrap items-center gap-x-6 gap-y-3">
              <div className="min-w-0 flex-1">
                <p className="m-0 text-xs font-semibold tracking-wide text-muted uppercase">{t('history.schedule')}</p>
                <p id={descriptionId} className="m-0 mt-0.5 font-semibold" data-testid="schedule-summary">
                  {load.state === 'loaded' ? summary : <span className="skeleton inline-block h-4 w-56 align-middle" />}
                </p>
              </div>
              {schedule && (
                <div className="flex flex-col items-start">
                  <div className="flex items-center gap-2 text-sm">
                    <label htmlFor={intervalId} className="text-muted">
                      {t('history.interval')}
                    </label>
                    <select
                      id={intervalId}
                      className="input w-auto py-1 text-sm"
                      value={schedule.intervalMinutes}
                      disabled={saving || offline}
                      title={offline ? t('connectivity.needsServer') : undefined}
                      aria-describedby={offline ? `${intervalId}-offline` : undefined}
                      onChange={(event) => changeInterval(Number(event.target.value))}
                    >
                      {choices.map((minutes) => (
                        <option key={minutes} value={minutes}>
                          {intervalOption(t, minutes)}
                        </option>
                      ))}
                    </select>
                  </div>
                  {offline && <NeedsServer id={`${intervalId}-offline`} />}
                </div>
              )}
              <SyncNowButton integration={integration} className="btn btn-sm" />
            </div>
            {busy && <SyncProgressBar name={integration.name} progress={progress} />}
          </section>

          <section aria-labelledby={`${intervalId}-runs`} className="flex flex-col gap-2">
            <h3 id={`${intervalId}-runs`} className="m-0 text-base">
              {t('history.runs')}
            </h3>
            {load.state === 'loading' && <RunsSkeleton label={t('history.loading')} />}
            {load.state === 'failed' && (
              <ErrorAlert error={load.error} onRetry={() => reload(false)} />
            )}
            {load.state === 'loaded' && load.runs.length === 0 && (
              <EmptyList heading="h4" title={t('history.empty')} hint={t('history.emptyHint')} />
            )}
            {load.state === 'loaded' && load.runs.length > 0 && <RunsTable runs={load.runs} />}
          </section>
        </>
      )}
    </IntegrationDialog>
  );
}

function RunsTable({ runs }: { runs: SyncRun[] }) {
  const { t, formatDate, formatNumber } = usePreferences();
  return (
    <DataTable
      caption={t('history.runs')}
      columns={[
        t('history.started'),
        t('history.duration'),
        t('history.trigger'),
        t('history.outcome'),
        t('history.records'),
        t('history.error'),
      ]}
    >
      {runs.map((run) => {
        const counts = orderedCounts(run.counts);
        return (
          <tr key={run.id} data-run={run.id}>
            <th scope="row" className="font-normal whitespace-nowrap">
              <time dateTime={run.startedAt}>{formatDate(run.startedAt)}</time>
            </th>
            <td className="whitespace-nowrap text-muted tabular-nums">
              {durationText(t, run.startedAt, run.finishedAt) ?? t('history.running')}
            </td>
            <td className="whitespace-nowrap">{t(`trigger.${run.trigger}`)}</td>
            <td>
              <span className={`badge badge-${run.outcome.toLowerCase()}`}>{t(`outcome.${run.outcome}`)}</span>
            </td>
            <td className="min-w-[15rem]">
              {counts.length > 0 ? (
                <ul className="stream-counts" aria-label={t('history.records')}>
                  {counts.map(([stream, count]) => (
                    <li key={stream} className="whitespace-nowrap">
                      <span className="text-muted">{streamLabel(t, stream)}</span>{' '}
                      <span className="font-semibold tabular-nums">{formatNumber(count)}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="text-muted">{t('table.noError')}</span>
              )}
            </td>
            <td className="max-w-[18rem] min-w-[11rem]">
              {run.error ? (
                <span className="text-sm text-danger" title={run.errorCode ?? undefined}>
                  {run.error}
                </span>
              ) : (
                <span className="text-muted">{t('table.noError')}</span>
              )}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}

function RunsSkeleton({ label }: { label: string }) {
  return (
    <div className="flex flex-col gap-2">
      <p role="status" className="visually-hidden">
        {label}
      </p>
      {[0, 1, 2].map((i) => (
        <div key={i} aria-hidden="true" className="skeleton h-7 w-full" />
      ))}
    </div>
  );
}
