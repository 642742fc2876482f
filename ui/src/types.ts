// The shapes that cross the IPC boundary, mirroring `integrations_core` (serde camelCase).
// TODO: generate these from the Rust types and fail CI on drift (see STYLE.md, practice 5).

/** The closed set of error codes in `integrations_core::ErrorCode`. */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CHOICE_REQUIRED'
  | 'STALE_EDIT'
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'DATABASE_UNAVAILABLE'
  | 'CONFIGURATION'
  | 'INTERNAL';

/** `integrations_core::ErrorPayload`: what every failed command rejects with. */
export interface ErrorPayload {
  code: ErrorCode;
  providerCode?: string;
  message: string;
}

export interface Account {
  tenantId: string;
  tenantName: string;
  userId: string;
  email: string;
}

export type Provider = 'META_ADS' | 'PANCAKE_POS';
export type IntegrationStatus = 'PENDING' | 'ACTIVE' | 'ERROR' | 'DISABLED';

export type IntegrationConfig = { shopId: string } | { adAccountId: string };

export interface Integration {
  id: string;
  tenantId: string;
  name: string;
  provider: Provider;
  description: string | null;
  status: IntegrationStatus;
  enabled: boolean;
  config: IntegrationConfig;
  credentialsHint: string;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  lastSyncAt: string | null;
  version: number;
}
