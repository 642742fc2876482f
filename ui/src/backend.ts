// The only module that talks to the Rust side. Components call these functions and never
// `invoke` directly, so every command name and argument shape lives here.

import { invoke } from '@tauri-apps/api/core';

import type { Account, ErrorCode, ErrorPayload, Integration } from './types';

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

export const backend = {
  signUp: (input: SignUpInput) => call<Account>('sign_up', { ...input }),
  signIn: (input: SignInInput) => call<Account>('sign_in', { ...input }),
  signOut: () => call<void>('sign_out'),
  currentAccount: () => call<Account | null>('current_account'),
  listIntegrations: () => call<Integration[]>('list_integrations'),
};

export type Backend = typeof backend;
