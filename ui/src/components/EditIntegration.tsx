//! Edit one integration. The saved secret is never sent to the UI: only its hint is shown, and a
//! new secret replaces it only if typed. Save sends the version the form was loaded from, so a
//! concurrent change fails with STALE_EDIT instead of being overwritten. Offline, only the name
//! and description can change (the core queues them); the secret and the shop / ad account id
//! need the server and are disabled.

import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';

import { backend } from '../backend';
import { useConnectivity, useDataChanged } from '../connectivity';
import { useT } from '../i18n';
import { useBackendError } from '../session';
import type { ErrorPayload, Integration, IntegrationPatch } from '../types';
import { ErrorAlert } from './ErrorAlert';
import { Field } from './Field';
import { BackToList } from './PageHeader';
import { RealtimeOrdersSection } from './RealtimeOrders';
import { StatusBadge } from './StatusBadge';
import { useToast } from './Toasts';

interface Props {
  id: string;
  onDone: (integration: Integration) => void;
  onCancel: () => void;
}

interface Form {
  name: string;
  description: string;
  secret: string;
  configId: string;
}

function configId(integration: Integration): string {
  return 'shopId' in integration.config ? integration.config.shopId : integration.config.adAccountId;
}

function sameForm(a: Form, b: Form): boolean {
  return a.name === b.name && a.description === b.description && a.secret === b.secret && a.configId === b.configId;
}

function formOf(integration: Integration): Form {
  return {
    name: integration.name,
    description: integration.description ?? '',
    secret: '',
    configId: configId(integration),
  };
}

/** Only what changed, plus the version the edit started from. */
export function patchOf(integration: Integration, form: Form): IntegrationPatch {
  const patch: IntegrationPatch = {};
  if (form.name.trim() !== integration.name) patch.name = form.name.trim();
  const description = form.description.trim() === '' ? null : form.description.trim();
  if (description !== (integration.description ?? null)) patch.description = description;
  if (form.secret !== '') patch.secret = form.secret;
  if (form.configId.trim() !== configId(integration)) {
    if (integration.provider === 'PANCAKE_POS') patch.shopId = form.configId.trim();
    else patch.adAccountId = form.configId.trim();
  }
  return patch;
}

export function EditIntegration({ id, onDone, onCancel }: Props) {
  const t = useT();
  const notify = useToast();
  const asError = useBackendError();
  const [integration, setIntegration] = useState<Integration | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [loadError, setLoadError] = useState<ErrorPayload | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [pending, setPending] = useState(false);
  const { offline, refresh: refreshConnectivity } = useConnectivity();
  const formRef = useRef(form);
  useEffect(() => {
    formRef.current = form;
  });

  const load = useCallback(() => {
    setLoadError(null);
    setError(null);
    backend.getIntegration(id).then(
      (loaded) => {
        setIntegration(loaded);
        setForm(formOf(loaded));
      },
      (err: unknown) => setLoadError(asError(err)),
    );
  }, [id, asError]);

  useEffect(load, [load]);

  // The data moved underneath (e.g. a queued edit reached the server): take the new version, but
  // only while the form is untouched; an edit in progress is never overwritten.
  useDataChanged(() => {
    const shown = integration;
    if (!shown || pending) return;
    const untouched = () => formRef.current !== null && sameForm(formRef.current, formOf(shown));
    if (!untouched()) return;
    backend.getIntegration(id).then(
      (loaded) => {
        if (!untouched()) return;
        setIntegration(loaded);
        setForm(formOf(loaded));
      },
      () => undefined,
    );
  });

  const back = <BackToList onClick={onCancel} />;

  if (loadError) {
    return (
      <div className="mx-auto flex w-full max-w-2xl flex-col gap-4">
        <div>{back}</div>
        <ErrorAlert error={loadError} onRetry={load} />
      </div>
    );
  }
  if (!integration || !form) {
    return (
      <p role="status" className="text-muted">
        {t('common.loading')}
      </p>
    );
  }

  const isMeta = integration.provider === 'META_ADS';
  const set = (key: keyof Form) => (value: string) => setForm((f) => (f ? { ...f, [key]: value } : f));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const patch = patchOf(integration, form);
    if (Object.keys(patch).length === 0) {
      notify('info', t('edit.nothingChanged'));
      onCancel();
      return;
    }
    setPending(true);
    setError(null);
    try {
      const saved = await backend.updateIntegration(integration.id, {
        ...patch,
        expectedVersion: integration.version,
      });
      notify('success', t(offline ? 'edit.savedOffline' : 'edit.saved', { name: saved.name }));
      refreshConnectivity();
      onDone(saved);
    } catch (err) {
      const error = asError(err);
      setError(error);
      setPending(false);
      if (error.code === 'OFFLINE') refreshConnectivity();
    }
  };

  return (
    <div className="mx-auto flex w-full max-w-2xl flex-col gap-5">
      <div>
        {back}
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="m-0 text-2xl">{t('edit.title')}</h1>
          <StatusBadge status={integration.status} />
        </div>
        <p className="m-0 mt-1 text-sm text-muted">
          {t(`provider.${integration.provider}`)} · {t('edit.version', { version: integration.version })}
        </p>
      </div>
      <form className="card stack gap-5 p-6" onSubmit={onSubmit} aria-label={t('edit.title')}>
        <Field label={t('edit.name')} required value={form.name} onChange={set('name')} />
        <Field label={t('edit.description')} optional value={form.description} onChange={set('description')} />

        {offline && (
          <p className="m-0 -mb-1 rounded-lg bg-subtle px-3 py-2 text-sm text-muted" id="edit-offline">
            {t('connectivity.editOffline')}
          </p>
        )}

        <ServerFieldset legend={t('edit.credentials')} offline={offline}>
          <p className="m-0 flex items-center gap-2 text-sm">
            <span className="text-muted">{isMeta ? t('edit.currentAccessToken') : t('edit.currentApiKey')}:</span>
            <code className="rounded bg-subtle px-2 py-0.5 font-mono" data-testid="credentials-hint">
              {integration.credentialsHint}
            </code>
          </p>
          <Field
            label={isMeta ? t('edit.newAccessToken') : t('edit.newApiKey')}
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            hint={t('edit.keepSecret')}
            value={form.secret}
            onChange={set('secret')}
          />
        </ServerFieldset>

        <ServerFieldset legend={t('edit.config')} offline={offline}>
          <Field
            label={isMeta ? t('edit.adAccountId') : t('edit.shopId')}
            required
            spellCheck={false}
            value={form.configId}
            onChange={set('configId')}
          />
        </ServerFieldset>

        {error &&
          (error.code === 'STALE_EDIT' ? (
            <ErrorAlert error={error} message={t('edit.stale')}>
              <button type="button" className="btn btn-sm" onClick={load}>
                {t('edit.reload')}
              </button>
            </ErrorAlert>
          ) : (
            <ErrorAlert error={error} />
          ))}

        <div className="flex justify-end gap-2 border-t border-line pt-4">
          <button type="button" className="btn" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? t('common.saving') : t('common.save')}
          </button>
        </div>
      </form>
      {integration.provider === 'PANCAKE_POS' && <RealtimeOrdersSection integration={integration} />}
    </div>
  );
}

/** A part of the form only the server can change: disabled while offline, saying why (`edit-offline`). */
function ServerFieldset({ legend, offline, children }: { legend: string; offline: boolean; children: ReactNode }) {
  const t = useT();
  return (
    <fieldset
      className="m-0 flex flex-col gap-3 rounded-xl border border-line p-4 disabled:opacity-60"
      disabled={offline}
      title={offline ? t('connectivity.needsServer') : undefined}
      aria-describedby={offline ? 'edit-offline' : undefined}
    >
      <legend className="px-1 text-sm font-semibold">{legend}</legend>
      {children}
    </fieldset>
  );
}
