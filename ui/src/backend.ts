// The only module that talks to the Rust side. Components call these functions and never
// `invoke` directly, so every command name and argument shape lives here.

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

import type {
  Account,
  AppStatus,
  ConflictChoice,
  ConnectOutcome,
  ConnectionTestResult,
  Connectivity,
  ErrorCode,
  ErrorPayload,
  Integration,
  IntegrationPatch,
  Preferences,
  Report,
  ReportQuery,
  SyncProgress,
  SyncRun,
  SyncSchedule,
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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toBackendError(error);
  }
}

export interface SignUpInput {
  tenantName: string;
  email: string;
  password: string;
}

export interface SignInInput {
  email: string;
  password: string;
}

export interface DatabaseChoice {
  /** Both null: the embedded database. */
  postgresUrl: string | null;
  masterKey: string | null;
}

export interface ConnectPancakeInput {
  apiKey: string;
  description: string | null;
  /** null on the first call; the chosen shop after a `chooseShop` outcome. */
  shopId: string | null;
}

export interface ConnectMetaInput {
  accessToken: string;
  description: string | null;
  /** null on the first call; the chosen account after a `chooseAdAccount` outcome. */
  adAccountId: string | null;
}

/** Every command of the core, snake_case names, camelCase arguments. */
export const backend = {
  appStatus: () => call<AppStatus>('app_status'),
  configureDatabase: (choice: DatabaseChoice) => call<AppStatus>('configure_database', { ...choice }),
  getPreferences: () => call<Preferences>('get_preferences'),
  setPreferences: (preferences: Preferences) => call<Preferences>('set_preferences', { preferences }),

  signUp: (input: SignUpInput) => call<Account>('sign_up', { ...input }),
  signIn: (input: SignInInput) => call<Account>('sign_in', { ...input }),
  signOut: () => call<null>('sign_out'),
  currentAccount: () => call<Account | null>('current_account'),
  /**
   * The workspace's time zone (an IANA name): the days its reports are counted in. Answers with
   * the account as it is afterwards. VALIDATION for an unknown name; OFFLINE while the server
   * cannot be reached (shared mode).
   */
  setTimeZone: (timeZone: string) => call<Account>('set_time_zone', { timeZone }),

  listIntegrations: () => call<Integration[]>('list_integrations'),
  getIntegration: (id: string) => call<Integration>('get_integration', { id }),
  connectPancake: (input: ConnectPancakeInput) => call<ConnectOutcome>('connect_pancake', { ...input }),
  connectMeta: (input: ConnectMetaInput) => call<ConnectOutcome>('connect_meta', { ...input }),
  updateIntegration: (id: string, update: IntegrationPatch) =>
    call<Integration>('update_integration', { id, update }),
  deleteIntegration: (id: string) => call<null>('delete_integration', { id }),
  enableIntegration: (id: string) => call<Integration>('enable_integration', { id }),
  disableIntegration: (id: string) => call<Integration>('disable_integration', { id }),
  testConnection: (id: string) => call<ConnectionTestResult>('test_connection', { id }),

  /** Shared mode: reachable or not, the mirror's age, the outbox and its conflicts. */
  connectivityStatus: () => call<Connectivity>('connectivity_status'),
  /** Settles one conflict; answers with the connectivity as it is afterwards. */
  resolveConflict: (seq: number, keep: ConflictChoice) =>
    call<Connectivity>('resolve_conflict', { seq, keep }),

  /**
   * "Sync now": asks the scheduler, which starts the run within a moment (here, or on another
   * computer in shared mode); its progress shows in `syncActivity`. VALIDATION while the
   * integration is off, OFFLINE while the server cannot be reached.
   */
  syncNow: (id: string) => call<SyncSchedule>('sync_now', { id }),
  /** "Sync all now": every enabled integration; answers how many were asked. */
  syncAll: () => call<number>('sync_all'),
  /** The syncs running now, or finished in the last ~20 s, each with its latest progress. */
  syncActivity: () => call<SyncProgress[]>('sync_activity'),
  /**
   * Calls `handler` on each progress event the core emits (`sync-progress`), so bars move at
   * once instead of at the next poll. Resolves to an unsubscribe function; where events are
   * not available (a test double) it resolves to a no-op and polling alone keeps things moving.
   */
  onSyncProgress: async (handler: (progress: SyncProgress) => void): Promise<() => void> => {
    try {
      return await listen<SyncProgress>('sync-progress', (event) => handler(event.payload));
    } catch {
      return () => undefined;
    }
  },
  /** Runs of one integration, newest first (the core's default limit is 50). */
  syncHistory: (id: string, limit?: number) =>
    call<SyncRun[]>('sync_history', limit === undefined ? { id } : { id, limit }),
  /** null while the integration is turned off. */
  syncSchedule: (id: string) => call<SyncSchedule | null>('sync_schedule', { id }),
  /** 5 to 10080 minutes (VALIDATION otherwise); needs the server. */
  setSyncInterval: (id: string, minutes: number) =>
    call<SyncSchedule>('set_sync_interval', { id, minutes }),

  /**
   * Ad spend against sales for a range of days, by day, campaign or ad (days in the query's time
   * zone, the workspace's when absent; `report.timeZone` says which). VALIDATION for a backwards or too long range.
   */
  analyticsReport: (query: ReportQuery) => call<Report>('analytics_report', { query }),
  /** Saves the same report's table as CSV (UTF-8 with BOM) in Downloads; answers with its path. */
  exportReport: (query: ReportQuery) => call<string>('export_report', { query }),
};

export type Backend = typeof backend;
