//! The discovery wizard, the same for both providers: step 1 takes the secret (and an optional
//! description) and asks the core to connect; the core either creates the integration (one shop
//! or ad account) or answers with the choices, shown in step 2 with the connected ones disabled.
//! Discovery needs the server: offline, the wizard says so and cannot be submitted.

import { useState, type FormEvent } from 'react';

import { backend } from '../backend';
import { useConnectivity } from '../connectivity';
import { useT } from '../i18n';
import { useBackendError } from '../session';
import type { AdAccountChoice, ConnectOutcome, ErrorPayload, Integration, Provider, ShopChoice } from '../types';
import { Avatar } from './Avatar';
import { ErrorAlert } from './ErrorAlert';
import { Field } from './Field';
import { BackToList } from './PageHeader';
import { useToast } from './Toasts';

type Choices = { kind: 'shops'; shops: ShopChoice[] } | { kind: 'accounts'; accounts: AdAccountChoice[] };

interface Props {
  provider: Provider;
  onDone: (integration: Integration) => void;
  onCancel: () => void;
}

export function ConnectWizard({ provider, onDone, onCancel }: Props) {
  const t = useT();
  const notify = useToast();
  const asError = useBackendError();
  const isMeta = provider === 'META_ADS';
  const [secret, setSecret] = useState('');
  const [description, setDescription] = useState('');
  const [choices, setChoices] = useState<Choices | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const { offline, refresh: refreshConnectivity } = useConnectivity();

  const connect = async (choiceId: string | null) => {
    setPending(true);
    setError(null);
    try {
      const desc = description.trim() === '' ? null : description.trim();
      const outcome: ConnectOutcome = isMeta
        ? await backend.connectMeta({ accessToken: secret, description: desc, adAccountId: choiceId })
        : await backend.connectPancake({ apiKey: secret, description: desc, shopId: choiceId });
      switch (outcome.outcome) {
        case 'created':
          notify('success', t('wizard.created', { name: outcome.integration.name }));
          onDone(outcome.integration);
          return;
        case 'chooseShop':
          setChoices({ kind: 'shops', shops: outcome.shops });
          setChosen(null);
          break;
        case 'chooseAdAccount':
          setChoices({ kind: 'accounts', accounts: outcome.accounts });
          setChosen(null);
          break;
      }
    } catch (err) {
      const failure = asError(err);
      setError(failure);
      if (failure.code === 'OFFLINE') refreshConnectivity();
    }
    setPending(false);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (offline || (choices && !chosen)) return;
    void connect(choices ? chosen : null);
  };

  const step = choices ? 2 : 1;
  const options =
    choices?.kind === 'shops'
      ? choices.shops.map((s) => ({ id: s.id, name: s.name, disabled: s.alreadyConnected, shop: s }))
      : (choices?.accounts ?? []).map((a) => ({ id: a.id, name: a.name, disabled: a.alreadyConnected, account: a }));
  const chosenName = options.find((o) => o.id === chosen)?.name ?? '';

  return (
    <div className="mx-auto flex w-full max-w-2xl flex-col gap-5">
      <div>
        <BackToList onClick={onCancel} />
        <h1 className="m-0 mt-2 text-2xl">{isMeta ? t('wizard.titleMeta') : t('wizard.titlePancake')}</h1>
        <ol className="m-0 mt-3 flex list-none items-center gap-2 p-0 text-sm" aria-label={t('wizard.stepOf', { step, total: 2 })}>
          {[t('wizard.stepCredentials'), t('wizard.stepChoose')].map((label, index) => (
            <li key={label} className="flex items-center gap-2" aria-current={step === index + 1 ? 'step' : undefined}>
              {index > 0 && <span aria-hidden="true" className="h-px w-8 bg-line" />}
              <span
                className={`inline-flex h-6 w-6 items-center justify-center rounded-full text-xs font-bold ${
                  step >= index + 1 ? 'bg-accent text-white' : 'bg-subtle text-muted'
                }`}
                aria-hidden="true"
              >
                {index + 1}
              </span>
              <span className={step === index + 1 ? 'font-semibold' : 'text-muted'}>{label}</span>
            </li>
          ))}
        </ol>
      </div>

      <form className="card stack gap-5 p-6" onSubmit={onSubmit} aria-label={isMeta ? t('wizard.titleMeta') : t('wizard.titlePancake')}>
        {!choices ? (
          <>
            <p className="m-0 text-sm text-muted">{isMeta ? t('wizard.leadMeta') : t('wizard.leadPancake')}</p>
            <Field
              label={isMeta ? t('wizard.accessToken') : t('wizard.apiKey')}
              type="password"
              autoComplete="off"
              spellCheck={false}
              required
              autoFocus
              value={secret}
              onChange={setSecret}
            />
            <Field
              label={t('wizard.description')}
              optional
              hint={t('wizard.descriptionHint')}
              value={description}
              onChange={setDescription}
            />
          </>
        ) : (
          <>
            <fieldset className="m-0 flex flex-col gap-2 border-0 p-0">
              <legend className="mb-1 p-0 text-base font-semibold">
                {choices.kind === 'shops' ? t('wizard.chooseShop') : t('wizard.chooseAccount')}
              </legend>
              <p className="m-0 mb-2 text-sm text-muted">
                {choices.kind === 'shops'
                  ? t('wizard.chooseShopLead', { count: options.length })
                  : t('wizard.chooseAccountLead', { count: options.length })}
              </p>
              <div role="radiogroup" aria-label={choices.kind === 'shops' ? t('wizard.chooseShop') : t('wizard.chooseAccount')} className="flex flex-col gap-2">
                {options.map((option) => (
                  <label key={option.id} className="choice">
                    <input
                      type="radio"
                      name="choice"
                      value={option.id}
                      checked={chosen === option.id}
                      disabled={option.disabled}
                      onChange={() => setChosen(option.id)}
                    />
                    <Avatar name={option.name} />
                    <span className="min-w-0 flex-1">
                      <span className="block truncate font-semibold">{option.name}</span>
                      <span className="block truncate text-xs text-muted">
                        {'account' in option && option.account
                          ? `${option.id} · ${option.account.statusName} · ${option.account.currency}`
                          : `${t('pancake.shopId')}: ${option.id}`}
                      </span>
                    </span>
                    {'account' in option && option.account && !option.account.active && (
                      <span className="badge badge-pending">{t('wizard.inactive')}</span>
                    )}
                    {option.disabled && <span className="badge badge-disabled">{t('wizard.alreadyConnected')}</span>}
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="field">
              <label htmlFor="wizard-name">{t('wizard.integrationName')}</label>
              <input
                id="wizard-name"
                className="input"
                readOnly
                value={chosenName}
                placeholder={t('wizard.pickFirst')}
              />
            </div>
          </>
        )}
        {error && <ErrorAlert error={error} />}
        {offline && (
          <p className="m-0 rounded-lg bg-subtle px-3 py-2 text-sm text-muted" id="wizard-offline">
            {t('connectivity.wizardOffline')}
          </p>
        )}
        <div className="flex flex-wrap justify-end gap-2 border-t border-line pt-4">
          {choices ? (
            <button
              type="button"
              className="btn mr-auto"
              onClick={() => {
                setChoices(null);
                setError(null);
              }}
            >
              {t('common.back')}
            </button>
          ) : null}
          <button type="button" className="btn" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={pending || offline || (choices !== null && !chosen)}
            title={offline ? t('connectivity.needsServer') : undefined}
            aria-describedby={offline ? 'wizard-offline' : undefined}
          >
            {pending ? t('wizard.creating') : t('wizard.create')}
          </button>
        </div>
      </form>
    </div>
  );
}
