// The only module that talks to the Rust side. Components call these functions and never
// `invoke` directly. Every command's name, arguments and answer come from the map generated
// from the Rust side's list of operations (`./bindings/Commands.ts`), so a call that does not
// match the core is a type error.

import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

import type {
  AvailableUpdate,
  CampaignAssignment,
  AlertSettings,
  Commands,
  ConflictChoice,
  DownloadProgress,
  ErrorCode,
  ErrorPayload,
  IntegrationPatch,
  PageTimings,
  Preferences,
  ReportQuery,
  SyncProgress,
} from './types';

/** A command failed. `code` is one of the core's closed set; `message` is safe to show. */
export class BackendError extends Error implements ErrorPayload {
  readonly code: ErrorCode;
  readonly providerCode?: string;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = 'BackendError';
    this.code = payload.code;
    this.providerCode = payload.providerCode;
  }
}

function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorPayload).code === 'string' &&
    typeof (value as ErrorPayload).message === 'string'
  );
}

/** Any rejection as a BackendError: the core's payload, or an IPC failure (e.g. denied by the ACL). */
export function toBackendError(error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  if (isErrorPayload(error)) return new BackendError(error);
  const message = error instanceof Error ? error.message : String(error);
  return new BackendError({ code: 'INTERNAL', message: message || 'The app did not answer.' });
}

/**
 * Calls one command of the core. Its name, its arguments and its answer are those declared in
 * `src-tauri/operations.rs`, from which `Commands` is generated.
 */
async function invoke<K extends keyof Commands>(
  command: K,
  args: Commands[K]['args'],
): Promise<Commands[K]['result']> {
  try {
    return await tauriInvoke<Commands[K]['result']>(command, args);
  } catch (error) {
    throw toBackendError(error);
  }
}

export type SignUpInput = Commands['sign_up']['args'];
export type SignInInput = Commands['sign_in']['args'];
/** Both null: the embedded database. */
export type DatabaseChoice = Commands['configure_database']['args'];
/** `shopId`: null on the first call; the chosen shop after a `chooseShop` outcome. */
export type ConnectPancakeInput = Commands['connect_pancake']['args'];
/** `adAccountId`: null on the first call; the chosen account after a `chooseAdAccount` outcome. */
export type ConnectMetaInput = Commands['connect_meta']['args'];

/** `sync_history` → `syncHistory`: each command's function in `backend` is named after it. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/**
 * Every command of the core, as a function named after it (one name per operation: the command
 * `sync_now` is `syncNow`); a command without its function here is a type error.
 */
export const backend = {
  appStatus: () => invoke('app_status', {}),
  configureDatabase: (choice: DatabaseChoice) => invoke('configure_database', choice),
  /**
   * Joins the shared workspace of a connection code (the whole text its administrator gave).
   * The code is tried against its server first: VALIDATION for a damaged code or another
   * server's, UNAUTHENTICATED for a revoked or replaced one, DATABASE_UNAVAILABLE when the server
   * does not answer; nothing is kept then. Nobody is signed in afterwards.
   */
  joinWorkspace: (code: string) => invoke('join_workspace', { code }),
  /** Signs out and removes the joined workspace's code, key and local copy from this computer. */
  leaveWorkspace: () => invoke('leave_workspace', {}),
  /**
   * The first screen is rendered (once per page load): the desktop app shows its window, which
   * it created hidden, and logs the page's timings.
   */
  firstScreenReady: (timings: PageTimings) => invoke('first_screen_ready', { timings }),
  getPreferences: () => invoke('get_preferences', {}),
  setPreferences: (preferences: Preferences) => invoke('set_preferences', { preferences }),

  signUp: (input: SignUpInput) => invoke('sign_up', input),
  signIn: (input: SignInInput) => invoke('sign_in', input),
  signOut: () => invoke('sign_out', {}),
  currentAccount: () => invoke('current_account', {}),
  /**
   * The workspace's time zone (an IANA name): the days its reports are counted in. Answers with
   * the account as it is afterwards. VALIDATION for an unknown name; OFFLINE while the server
   * cannot be reached (shared mode).
   */
  setTimeZone: (timeZone: string) => invoke('set_time_zone', { timeZone }),

  listIntegrations: () => invoke('list_integrations', {}),
  getIntegration: (id: string) => invoke('get_integration', { id }),
  connectPancake: (input: ConnectPancakeInput) => invoke('connect_pancake', input),
  connectMeta: (input: ConnectMetaInput) => invoke('connect_meta', input),
  updateIntegration: (id: string, update: IntegrationPatch) =>
    invoke('update_integration', { id, update }),
  deleteIntegration: (id: string) => invoke('delete_integration', { id }),
  enableIntegration: (id: string) => invoke('enable_integration', { id }),
  disableIntegration: (id: string) => invoke('disable_integration', { id }),
  testConnection: (id: string) => invoke('test_connection', { id }),

  /** Shared mode: reachable or not, the mirror's age, the outbox and its conflicts. */
  connectivityStatus: () => invoke('connectivity_status', {}),
  /** Settles one conflict; answers with the connectivity as it is afterwards. */
  resolveConflict: (seq: number, keep: ConflictChoice) =>
    invoke('resolve_conflict', { seq, keep }),

  /**
   * "Sync now": asks the scheduler, which starts the run within a moment (here, or on another
   * computer in shared mode); its progress shows in `syncActivity`. VALIDATION while the
   * integration is off, OFFLINE while the server cannot be reached.
   */
  syncNow: (id: string) => invoke('sync_now', { id }),
  /** "Sync all now": every enabled integration; answers how many were asked. */
  syncAll: () => invoke('sync_all', {}),
  /** The syncs running now, or finished in the last ~20 s, each with its latest progress. */
  syncActivity: () => invoke('sync_activity', {}),
  /**
   * Calls `handler` on each progress event the core emits (`sync-progress`), so bars move at
   * once instead of at the next poll. Resolves to an unsubscribe function; where events are
   * not available (a test double) it resolves to a no-op and polling alone keeps things moving.
   */
  onSyncProgress: (handler: (progress: SyncProgress) => void) => listenTo('sync-progress', handler),
  /** Runs of one integration, newest first (the core's default limit is 50). */
  syncHistory: (id: string, limit?: number) =>
    invoke('sync_history', limit === undefined ? { id } : { id, limit }),
  /** null while the integration is turned off. */
  syncSchedule: (id: string) => invoke('sync_schedule', { id }),
  /** 5 to 10080 minutes (VALIDATION otherwise); needs the server. */
  setSyncInterval: (id: string, minutes: number) =>
    invoke('set_sync_interval', { id, minutes }),

  /**
   * Ad spend against sales for a range of days, by day, campaign or ad (days in the query's time
   * zone, the workspace's when absent; `report.timeZone` says which). VALIDATION for a backwards or too long range.
   */
  realtimeOrders: (id: string) => invoke('realtime_orders', { id }),
  setRealtimeOrders: (id: string, enabled: boolean) => invoke('set_realtime_orders', { id, enabled }),
  webhookDeliveries: (id: string, limit?: number) =>
    invoke('webhook_deliveries', limit === undefined ? { id } : { id, limit }),

  report: (query: ReportQuery) => invoke('report', { query }),
  /** Saves the same report's table as CSV (UTF-8 with BOM) in Downloads; answers with its path. */
  exportReport: (query: ReportQuery) => invoke('export_report', { query }),

  /** Every synced Meta campaign, most spend first: its stores, what the orders suggest, its ad sets. */
  listCampaigns: () => invoke('list_campaigns', {}),
  /**
   * Decides which store(s) a campaign's (or ad set's) spend belongs to; answers with the campaign.
   * Every report follows, past days included. VALIDATION when the shares do not add up to 100 %,
   * STALE_EDIT when it changed since `expectedVersion`, OFFLINE while the server cannot be reached.
   */
  assignCampaign: (assignment: CampaignAssignment) => invoke('assign_campaign', { assignment }),
  /** Version and commit (as `integrations --version`), the data and log folders. */
  about: () => invoke('about', {}),
  /** Opens the log folder in the system's file manager. */
  openLogFolder: () => invoke('open_log_folder', {}),
  /** Whether the app starts at login (off until the user turns it on). */
  getAutostart: () => invoke('get_autostart', {}),
  /** Answers with what the system says afterwards. */
  setAutostart: (enabled: boolean) => invoke('set_autostart', { enabled }),
  /** What the last update check (at start, daily or asked) offered, without asking again. */
  availableUpdate: () => invoke('available_update', {}),
  /** Asks the update server now; null when this is the latest version. */
  checkForUpdate: () => invoke('check_for_update', {}),
  /**
   * Downloads the offered update, checks its signature and installs it; answers with its
   * version. VALIDATION when the download is refused (nothing installed).
   */
  installUpdate: () => invoke('install_update', {}),
  /** Restarts into the installed update (never answers when it works). */
  restartApp: () => invoke('restart_app', {}),
  /** Calls `handler` when a check finds a newer version (`update-available`). */
  onUpdateAvailable: (handler: (update: AvailableUpdate) => void) => listenTo('update-available', handler),
  /** Download progress of an update being installed (`update-progress`). */
  onUpdateProgress: (handler: (progress: DownloadProgress) => void) => listenTo('update-progress', handler),
  /**
   * The workspace's alerts (open ones and their history, newest first) and how many are open
   * and not dismissed. Offline, the open ones are computed from the local copy
   * (`computedOffline`).
   */
  alerts: () => invoke('alerts', {}),
  /**
   * Dismisses an alert; it stays in the history. Offline, a stored alert's dismissal is queued
   * and shows at once; OFFLINE for one computed offline.
   */
  dismissAlert: (id: string) => invoke('dismiss_alert', { id }),
  /** The workspace's alert thresholds (the defaults for those never set). */
  alertSettings: () => invoke('alert_settings', {}),
  /** VALIDATION for a threshold out of range. Offline, queued and sent when the server is back. */
  setAlertSettings: (settings: AlertSettings) => invoke('set_alert_settings', { settings }),
  /**
   * Calls `handler` when an alert fired or was dismissed (`alerts-changed`), so the count in
   * the header follows at once.
   */
  onAlertsChanged: (handler: () => void) => listenTo('alerts-changed', () => handler()),
  /** Calls `handler` when the tray's alerts line was chosen (`open-alerts`): show the Alerts page. */
  onOpenAlerts: (handler: () => void) => listenTo('open-alerts', () => handler()),
} satisfies Record<CamelCase<keyof Commands>, unknown> & Record<string, unknown>;

/**
 * Calls `handler` on each of the Rust side's `event`s. Resolves to an unsubscribe function; where
 * events are not available (a test double) to a no-op, and polling alone keeps things moving.
 */
async function listenTo<T>(event: string, handler: (payload: T) => void): Promise<() => void> {
  try {
    return await listen<T>(event, (e) => handler(e.payload));
  } catch {
    return () => undefined;
  }
}

/**
 * Listens through one of the `on…` subscriptions above until the returned function is called:
 * an effect's cleanup, which may come before the listener is in place (it is then removed as
 * soon as it is).
 */
export function listenUntilStopped<Handler>(
  subscribe: (handler: Handler) => Promise<() => void>,
  handler: Handler,
): () => void {
  let stopped = false;
  let unlisten: () => void = () => undefined;
  void subscribe(handler).then((stop) => {
    if (stopped) stop();
    else unlisten = stop;
  });
  return () => {
    stopped = true;
    unlisten();
  };
}

export type Backend = typeof backend;
