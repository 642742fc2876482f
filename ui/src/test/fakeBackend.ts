//! A `backend` whose every command is a vi.fn with harmless defaults; setup.ts swaps it in for
//! the real module, so components are tested without `invoke`.

import { vi, type Mock } from 'vitest';

import type { Backend } from '../backend';
import type { Account, AppStatus, Connectivity, Integration, Preferences } from '../types';

export type FakeBackend = { [K in keyof Backend]: Mock<Backend[K]> };

export const account: Account = {
  tenantId: 't-1',
  tenantName: 'Shop thời trang',
  userId: 'u-1',
  email: 'chu@shop.vn',
};

export const readyStatus: AppStatus = {
  mode: 'standalone',
  firstRun: false,
  dataDir: '/home/chu/.local/share/integration-manager',
  coreError: null,
};

export const defaultPreferences: Preferences = { language: 'en', theme: 'light', lastEmail: null };

let serial = 0;
export function integration(overrides: Partial<Integration> = {}): Integration {
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
    ...overrides,
  };
}

/** Shared mode's answer to `connectivity_status`; standalone unless overridden. */
export function connectivity(overrides: Partial<Connectivity> = {}): Connectivity {
  return { mode: 'STANDALONE', mirrorAsOf: null, dataVersion: 0, pending: [], conflicts: [], ...overrides };
}

function unmocked(name: string) {
  return () => Promise.reject(new Error(`backend.${name} is not mocked in this test`));
}

export function makeFakeBackend(): FakeBackend {
  return {
    appStatus: vi.fn(),
    configureDatabase: vi.fn(),
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
  };
}

/** Back to the defaults: a configured app, nobody signed in, no integrations. */
export function resetFakeBackend(api: FakeBackend) {
  for (const [name, fn] of Object.entries(api)) {
    fn.mockReset();
    fn.mockImplementation(unmocked(name));
  }
  api.appStatus.mockResolvedValue(readyStatus);
  api.getPreferences.mockResolvedValue(defaultPreferences);
  api.setPreferences.mockImplementation(async (p) => p);
  api.currentAccount.mockResolvedValue(null);
  api.signOut.mockResolvedValue(null);
  api.listIntegrations.mockResolvedValue([]);
  api.connectivityStatus.mockResolvedValue(connectivity());
}
