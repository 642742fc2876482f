//! The Campaigns page: which store(s) each Meta campaign's spend belongs to. The core lists the
//! synced campaigns (most spend of the last 30 days first) with their decisions and what the
//! synced orders suggest; here the user confirms a suggestion, chooses stores with shares, says
//! "no store", or clears a decision, for a campaign or one of its ad sets. New campaigns come in
//! as not assigned, and the page opens on those. Every report follows a decision, past days
//! included. Deciding needs the server in shared mode; offline the page shows the local copy.

import { useCallback, useEffect, useRef, useState } from 'react';

import { backend } from '../../backend';
import { ErrorAlert, LoadStatus } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useToast } from '../../components/Toasts';
import { useConnectivity, useDataChanged } from '../../connectivity';
import { usePreferences } from '../../i18n';
import { formatMoney } from '../../money';
import { useBackendError } from '../../session';
import { useSyncFinished } from '../../sync';
import type { AssignmentChoice, Campaign, ErrorPayload, Integration } from '../../types';
import { needsDecision } from './campaigns';
import { Decision, targetKey, type Target } from './Decision';

type Load =
  | { state: 'loading' }
  | { state: 'loaded'; campaigns: Campaign[] }
  | { state: 'failed'; error: ErrorPayload };

type Filter = 'open' | 'all';

export function CampaignsPage() {
  const { t, language, formatNumber } = usePreferences();
  const notify = useToast();
  const asError = useBackendError();
  const { offline, refresh: refreshConnectivity } = useConnectivity();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [stores, setStores] = useState<Integration[]>([]);
  const [filter, setFilter] = useState<Filter | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const [stale, setStale] = useState<string | null>(null);
  /** Campaigns decided on this visit stay in view under "Needs a decision" until the filter
   * changes, so the user sees what they decided (and can change it) instead of it vanishing. */
  const [justDecided, setJustDecided] = useState<ReadonlySet<string>>(new Set());
  /** Only the answer to the latest request is shown, whatever order they come back in. */
  const latest = useRef(0);

  const fetchAll = useCallback(
    (quietly: boolean) => {
      const request = ++latest.current;
      if (!quietly) setLoad({ state: 'loading' });
      Promise.all([backend.listCampaigns(), backend.listIntegrations()]).then(
        ([campaigns, integrations]) => {
          if (request !== latest.current) return;
          setLoad({ state: 'loaded', campaigns });
          // Opens on what needs a decision (everything when nothing does), and stays there.
          setFilter((current) => current ?? (campaigns.some(needsDecision) ? 'open' : 'all'));
          setStores(integrations.filter((i) => i.provider === 'PANCAKE_POS'));
        },
        (err: unknown) => {
          const error = asError(err);
          if (request === latest.current && !quietly) setLoad({ state: 'failed', error });
        },
      );
    },
    [asError],
  );
  useEffect(() => fetchAll(false), [fetchAll]);
  // Another computer decided, a sync brought new campaigns or orders, the link came or went.
  const reloadQuietly = () => fetchAll(true);
  useDataChanged(reloadQuietly);
  useSyncFinished(reloadQuietly);

  const campaigns = load.state === 'loaded' ? load.campaigns : [];
  const open = campaigns.filter(needsDecision);
  const shown: Filter = filter ?? 'all';
  const listed = shown === 'open' ? campaigns.filter((c) => needsDecision(c) || justDecided.has(c.campaignId)) : campaigns;
  const blocked = offline ? t('campaigns.offline') : null;

  const decide = async (target: Target, choice: AssignmentChoice, expectedVersion: number) => {
    const key = targetKey(target);
    setSaving(key);
    setStale(null);
    try {
      const updated = await backend.assignCampaign({
        campaignId: target.campaignId,
        ...(target.adsetId ? { adsetId: target.adsetId } : {}),
        choice,
        expectedVersion,
      });
      latest.current += 1; // an older list on its way must not undo this
      setJustDecided((current) => new Set(current).add(updated.campaignId));
      setLoad((current) =>
        current.state === 'loaded'
          ? { ...current, campaigns: current.campaigns.map((c) => (c.campaignId === updated.campaignId ? updated : c)) }
          : current,
      );
      setEditing(null);
      notify('success', t(choice.kind === 'unassigned' ? 'campaigns.cleared' : 'campaigns.saved', { name: target.name }));
    } catch (err) {
      const error = asError(err);
      if (error.code === 'STALE_EDIT') setStale(key);
      else notify('error', error.message);
      if (error.code === 'OFFLINE') refreshConnectivity();
    } finally {
      setSaving(null);
    }
  };

  const money = (campaign: Campaign, minor: number) =>
    campaign.spendCurrency ? formatMoney(minor, campaign.spendCurrency, campaign.spendExponent, language) : formatNumber(minor);

  const decision = (target: Target, props: Omit<Parameters<typeof Decision>[0], 'target' | 'stores' | 'blocked' | 'editing' | 'saving' | 'onEdit' | 'onCancel' | 'onDecide'>) => {
    const key = targetKey(target);
    return (
      <>
        <Decision
          target={target}
          stores={stores}
          blocked={blocked}
          editing={editing === key}
          saving={saving === key}
          onEdit={() => {
            setStale(null);
            setEditing(key);
          }}
          onCancel={() => setEditing(null)}
          onDecide={(choice) => void decide(target, choice, props.assignment.version)}
          {...props}
        />
        {stale === key && (
          <ErrorAlert error={{ code: 'STALE_EDIT', message: t('campaigns.stale') }}>
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => {
                setStale(null);
                setEditing(null);
                fetchAll(true);
              }}
            >
              {t('campaigns.reload')}
            </button>
          </ErrorAlert>
        )}
      </>
    );
  };

  return (
    <div className="flex flex-col gap-5" aria-busy={load.state === 'loading'}>
      <PageHeader title={t('campaigns.title')} lead={t('campaigns.lead')} leadClassName="max-w-[48rem]">
        <button type="button" className="btn" onClick={() => fetchAll(false)} disabled={load.state === 'loading'}>
          ↻ {t('campaigns.refresh')}
        </button>
      </PageHeader>

      <LoadStatus load={load} loading={t('campaigns.loading')} className="text-muted" onRetry={() => fetchAll(false)} />

      {load.state === 'loaded' && campaigns.length === 0 && (
        <div className="card flex flex-col items-center gap-1 px-6 py-12 text-center" data-testid="campaigns-empty">
          <h2 className="m-0 text-lg">{t('campaigns.empty')}</h2>
          <p className="m-0 text-sm text-muted">{t('campaigns.emptyHint')}</p>
        </div>
      )}

      {load.state === 'loaded' && campaigns.length > 0 && (
        <>
          {blocked && (
            <p className="connectivity-offline m-0 rounded-xl px-4 py-3 text-sm" data-testid="campaigns-offline">
              {blocked}
            </p>
          )}
          <fieldset className="m-0 border-0 p-0">
            <legend className="visually-hidden">{t('campaigns.filter')}</legend>
            <div className="segmented">
              {(['open', 'all'] as const).map((f) => (
                <label key={f}>
                  <input type="radio" name="campaigns-filter" checked={shown === f} onChange={() => {
                      setFilter(f);
                      setJustDecided(new Set());
                    }}
                  />
                  {t(f === 'open' ? 'campaigns.filter.open' : 'campaigns.filter.all', {
                    count: formatNumber(f === 'open' ? open.length : campaigns.length),
                  })}
                </label>
              ))}
            </div>
          </fieldset>

          {shown === 'open' && open.length === 0 && <p className="m-0 text-sm text-muted">{t('campaigns.allDecided')}</p>}

          <ul className="m-0 flex list-none flex-col gap-3 p-0" aria-label={t('campaigns.list')}>
            {listed.map((campaign) => {
              const name = campaign.name ?? campaign.campaignId;
              const headingId = `campaign-${campaign.campaignId}`;
              const showAdSets =
                campaign.adSets.length > 1 || campaign.adSets.some((s) => s.assignment.state !== 'unassigned');
              return (
                <li key={campaign.campaignId} className="card flex flex-col gap-3 px-5 py-4" aria-labelledby={headingId}>
                  <div className="flex flex-wrap items-start justify-between gap-3">
                    <div>
                      <h2 id={headingId} className="m-0 text-base">
                        {name}
                      </h2>
                      <p className="m-0 text-xs text-muted tabular-nums">{campaign.campaignId}</p>
                    </div>
                    <div className="text-right">
                      <p className="m-0 text-xs text-muted">{t('campaigns.spend30')}</p>
                      <p className="m-0 font-semibold tabular-nums" data-testid="campaign-spend">
                        {money(campaign, campaign.spendMinor)}
                      </p>
                    </div>
                  </div>
                  {decision({ campaignId: campaign.campaignId, name }, {
                    assignment: campaign.assignment,
                    suggestion: campaign.suggestion,
                    sales: campaign.sales,
                    isAdSet: false,
                  })}
                  {showAdSets && (
                    <details className="ad-sets" open={campaign.adSets.some((s) => s.assignment.state !== 'unassigned')}>
                      <summary className="cursor-pointer text-sm font-semibold">
                        {t('campaigns.adSets', { count: campaign.adSets.length })}
                      </summary>
                      <ul className="m-0 mt-2 flex list-none flex-col gap-3 border-l-2 border-line p-0 pl-4">
                        {campaign.adSets.map((adSet) => {
                          const setName = adSet.name ?? adSet.adsetId;
                          return (
                            <li key={adSet.adsetId} className="flex flex-col gap-1.5">
                              <div className="flex flex-wrap items-baseline justify-between gap-2">
                                <h3 className="m-0 text-sm">
                                  {setName} <span className="text-xs font-normal text-muted tabular-nums">{adSet.adsetId}</span>
                                </h3>
                                <span className="text-xs text-muted tabular-nums">{money(campaign, adSet.spendMinor)}</span>
                              </div>
                              {decision({ campaignId: campaign.campaignId, adsetId: adSet.adsetId, name: setName }, {
                                assignment: adSet.assignment,
                                suggestion: adSet.suggestion,
                                sales: adSet.sales,
                                isAdSet: true,
                              })}
                            </li>
                          );
                        })}
                      </ul>
                    </details>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}
