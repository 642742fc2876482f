//! A `backend` whose every command is a vi.fn with harmless defaults; setup.ts swaps it in for
//! the real module, so components are tested without `invoke`.

import { vi, type Mock } from 'vitest';

import type { Backend } from '../backend';
import type {
  About,
  Account,
  Alert,
  AlertSettings,
  AppStatus,
  Assignment,
  AvailableUpdate,
  Campaign,
  Connectivity,
  Integration,
  Preferences,
  RealtimeOrders,
  SyncProgress,
  SyncRun,
  SyncSchedule,
} from '../types';

export type FakeBackend = { [K in keyof Backend]: Mock<Backend[K]> };

/** A maker of test values: fresh `defaults()`, with what a test overrides. */
function fixture<T>(defaults: () => T): (overrides?: Partial<T>) => T {
  return (overrides = {}) => ({ ...defaults(), ...overrides });
}

export const account: Account = {
  tenantId: 't-1',
  tenantName: 'Shop thời trang',
  timeZone: 'Asia/Ho_Chi_Minh',
  userId: 'u-1',
  email: 'chu@shop.vn',
};

export const readyStatus: AppStatus = {
  mode: 'standalone',
  firstRun: false,
  dataDir: '/home/chu/.local/share/integration-manager',
  coreError: null,
  workspace: null,
};

export const about: About = {
  version: '0.1.0',
  commit: '8e9eae6a1b2c',
  dataDir: '/home/chu/.local/share/vn.integrationmanager.desktop',
  logDir: '/home/chu/.local/share/vn.integrationmanager.desktop/logs',
};

export const newerVersion: AvailableUpdate = {
  version: '0.2.0',
  currentVersion: '0.1.0',
  notes: 'Đồng bộ nhanh hơn.\nSửa lỗi hiển thị VND.',
  date: '2026-01-01T00:00:00Z',
};

export const defaultPreferences: Preferences = { language: 'en', theme: 'light', lastEmail: null };

let serial = 0;
export const integration = fixture<Integration>(() => {
  serial += 1;
  return {
    id: `i-${serial}`,
    tenantId: 't-1',
    name: 'Shop thời trang',
    provider: 'PANCAKE_POS',
    description: null,
    status: 'ACTIVE',
    enabled: true,
    config: { shopId: `shop-${serial}` },
    credentialsHint: '••••a1b2',
    lastError: null,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    lastSyncAt: null,
    version: 1,
  };
});

/** Shared mode's answer to `connectivity_status`; standalone unless overridden. */
export const connectivity = fixture<Connectivity>(() => ({ mode: 'STANDALONE', mirrorAsOf: null, dataVersion: 0, pending: [], conflicts: [] }));

/** One progress event of `sync_activity`; running unless `outcome` is given. */
export const progress = fixture<SyncProgress>(() => ({
  integrationId: 'i-1',
  runId: 'run-1',
  integrationName: 'Shop thời trang',
  stream: 'orders',
  records: 0,
  done: 0,
  total: 0,
  outcome: null,
  error: null,
  errorCode: null,
}));

/** One finished run of `sync_history`. */
export const syncRun = fixture<SyncRun>(() => ({
  id: 'run-1',
  integrationId: 'i-1',
  trigger: 'SCHEDULE',
  outcome: 'SUCCEEDED',
  startedAt: '2025-06-02T07:00:00Z',
  finishedAt: '2025-06-02T07:01:12Z',
  counts: { orders: 450, variations: 30, stock: 60 },
  error: null,
  errorCode: null,
}));

export const schedule = fixture<SyncSchedule>(() => ({
  integrationId: 'i-1',
  intervalMinutes: 60,
  nextRunAt: '2025-06-02T08:00:00Z',
  requested: false,
  running: false,
}));

/** A campaign on the Campaigns page; unassigned, with no ad sets, unless overridden. */
export const campaign = fixture<Campaign>(() => ({
  campaignId: '120200000001',
  name: 'Khuyến mãi Tết',
  assignment: assignment(),
  suggestion: null,
  sales: [],
  spendMinor: 1_250_000,
  spendCurrency: 'VND',
  spendExponent: 0,
  adSets: [],
}));

/** A decision as the core answers it; never decided unless overridden. */
export const assignment = fixture<Assignment>(() => ({
  state: 'unassigned',
  shares: [],
  version: 0,
  decidedAt: null,
  reassignedAt: null,
  changedBy: null,
}));

function unmocked(name: string) {
  return () => Promise.reject(new Error(`backend.${name} is not mocked in this test`));
}

export function makeFakeBackend(): FakeBackend {
  return {
    appStatus: vi.fn(),
    firstScreenReady: vi.fn(),
    configureDatabase: vi.fn(),
    joinWorkspace: vi.fn(),
    leaveWorkspace: vi.fn(),
    getPreferences: vi.fn(),
    setPreferences: vi.fn(),
    signUp: vi.fn(),
    signIn: vi.fn(),
    signOut: vi.fn(),
    currentAccount: vi.fn(),
    listIntegrations: vi.fn(),
    getIntegration: vi.fn(),
    connectPancake: vi.fn(),
    connectMeta: vi.fn(),
    updateIntegration: vi.fn(),
    deleteIntegration: vi.fn(),
    enableIntegration: vi.fn(),
    disableIntegration: vi.fn(),
    testConnection: vi.fn(),
    connectivityStatus: vi.fn(),
    resolveConflict: vi.fn(),
    syncNow: vi.fn(),
    syncAll: vi.fn(),
    syncActivity: vi.fn(),
    onSyncProgress: vi.fn(),
    syncHistory: vi.fn(),
    syncSchedule: vi.fn(),
    setSyncInterval: vi.fn(),
    realtimeOrders: vi.fn(),
    setRealtimeOrders: vi.fn(),
    webhookDeliveries: vi.fn(),
    report: vi.fn(),
    exportReport: vi.fn(),
    setTimeZone: vi.fn(),
    listCampaigns: vi.fn(),
    assignCampaign: vi.fn(),
    about: vi.fn(),
    openLogFolder: vi.fn(),
    getAutostart: vi.fn(),
    setAutostart: vi.fn(),
    availableUpdate: vi.fn(),
    checkForUpdate: vi.fn(),
    installUpdate: vi.fn(),
    restartApp: vi.fn(),
    onUpdateAvailable: vi.fn(),
    onUpdateProgress: vi.fn(),
    alerts: vi.fn(),
    dismissAlert: vi.fn(),
    alertSettings: vi.fn(),
    setAlertSettings: vi.fn(),
    onAlertsChanged: vi.fn(),
    onOpenAlerts: vi.fn(),
  };
}

/** Back to the defaults: a configured app, nobody signed in, no integrations. */
export function resetFakeBackend(api: FakeBackend) {
  for (const [name, fn] of Object.entries(api)) {
    fn.mockReset();
    fn.mockImplementation(unmocked(name));
  }
  api.appStatus.mockResolvedValue(readyStatus);
  api.firstScreenReady.mockResolvedValue(null);
  api.getPreferences.mockResolvedValue(defaultPreferences);
  api.setPreferences.mockImplementation(async (p) => p);
  api.currentAccount.mockResolvedValue(null);
  api.signOut.mockResolvedValue(null);
  api.listIntegrations.mockResolvedValue([]);
  api.connectivityStatus.mockResolvedValue(connectivity());
  api.syncActivity.mockResolvedValue([]);
  api.onSyncProgress.mockResolvedValue(() => undefined);
  api.about.mockResolvedValue(about);
  api.getAutostart.mockResolvedValue(false);
  api.availableUpdate.mockResolvedValue(null);
  api.onUpdateAvailable.mockResolvedValue(() => undefined);
  api.onUpdateProgress.mockResolvedValue(() => undefined);
  api.alerts.mockResolvedValue({ alerts: [], unread: 0, computedOffline: false });
  api.alertSettings.mockResolvedValue(defaultAlertSettings);
  api.realtimeOrders.mockResolvedValue(realtimeOff);
  api.onAlertsChanged.mockResolvedValue(() => undefined);
  api.onOpenAlerts.mockResolvedValue(() => undefined);
}

/** `realtime_orders` on a computer on its own: nothing to turn on. */
export const realtimeOff: RealtimeOrders = {
  available: false,
  enabled: false,
  url: null,
  registeredAt: null,
  lastDeliveryAt: null,
};

export const defaultAlertSettings: AlertSettings = {
  spendSpikePercent: 200,
  roasFloorPercent: 100,
  roasDropPercent: 30,
  quietWeeks: 4,
  quietMinMinutes: 60,
  syncFailingHours: 6,
  tokenExpiryDays: 7,
};

/** A spend spike on 2026-11-19, open, not dismissed, unless overridden. */
export const alert = fixture<Alert>(() => ({
  id: 'a-1',
  rule: 'SPEND_SPIKE',
  subject: '2026-11-19',
  integrationId: null,
  integrationName: null,
  firedAt: '2026-11-20T05:00:00Z',
  clearedAt: null,
  dismissedAt: null,
  details: {
    rule: 'SPEND_SPIKE',
    day: '2026-11-19',
    currency: 'VND',
    exponent: 0,
    spendMinor: 2_500_000,
    medianMinor: 1_100_000,
    thresholdPercent: 200,
  },
  report: { from: '2026-11-05', to: '2026-11-19' },
  computedOffline: false,
}));
