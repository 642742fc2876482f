//! One decision on the Campaigns page (a campaign's, or one of its ad sets'): what it is, what
//! the orders suggest (shown as a suggestion, never applied by itself), and the buttons to
//! confirm, change or clear it, with the shares editor in place.

import { usePreferences } from '../../i18n';
import { agoText } from '../../syncText';
import type { AssignedShare, Assignment, AssignmentChoice, Integration, StoreSales } from '../../types';
import { percentInput, sameShares, type ShareDraft } from './campaigns';
import { ShareEditor } from './ShareEditor';
import { usePercent } from './usePercent';

export interface Target {
  campaignId: string;
  /** Absent: the campaign as a whole. */
  adsetId?: string;
  /** For messages: the campaign's or ad set's name (its id when Meta gave none). */
  name: string;
}

export function targetKey(target: Pick<Target, 'campaignId' | 'adsetId'>): string {
  return `${target.campaignId}|${target.adsetId ?? ''}`;
}

/** `Cửa hàng Hà Nội 60% · Cửa hàng Sài Gòn 40%`. */
export function SharesText({ shares }: { shares: AssignedShare[] }) {
  const { t } = usePreferences();
  const { format } = usePercent();
  return (
    <span className="shares">
      {shares.map((share, i) => (
        <span key={share.store}>
          {i > 0 && ' · '}
          <span className={share.storeName === null ? 'italic text-muted' : undefined}>
            {share.storeName ?? t('campaigns.removedStore')}
          </span>{' '}
          <span className="tabular-nums">{format(share.basisPoints)}</span>
        </span>
      ))}
    </span>
  );
}

export function Decision({
  target,
  assignment,
  suggestion,
  sales,
  isAdSet,
  stores,
  blocked,
  editing,
  saving,
  onEdit,
  onCancel,
  onDecide,
}: {
  target: Target;
  assignment: Assignment;
  suggestion: AssignedShare[] | null;
  sales: StoreSales[];
  isAdSet: boolean;
  stores: Integration[];
  /** Why nothing can be decided right now (offline), or null. */
  blocked: string | null;
  editing: boolean;
  saving: boolean;
  onEdit: () => void;
  onCancel: () => void;
  onDecide: (choice: AssignmentChoice) => void;
}) {
  const { t, language, formatNumber } = usePreferences();
  const { decimal } = usePercent();
  const orders = sales.reduce((sum, s) => sum + s.orders, 0);
  const undecided = assignment.state === 'unassigned';
  const noStores = stores.length === 0 ? t('campaigns.noStores') : null;
  const suggestedShares = suggestion?.map((s) => ({ store: s.store, basisPoints: s.basisPoints })) ?? null;
  const differs =
    suggestedShares !== null &&
    assignment.state === 'stores' &&
    !sameShares(
      assignment.shares.map((s) => ({ store: s.store, basisPoints: s.basisPoints })),
      suggestedShares,
    );
  const initial: ShareDraft[] =
    assignment.state === 'stores'
      ? assignment.shares.map((s) => ({ store: s.store, percent: percentInput(s.basisPoints, decimal) }))
      : (suggestion ?? []).map((s) => ({ store: s.store, percent: percentInput(s.basisPoints, decimal) }));
  const confirm = () => suggestedShares && onDecide({ kind: 'stores', shares: suggestedShares });

  const badge =
    assignment.state === 'stores'
      ? { className: 'badge-active', text: t('campaigns.state.stores') }
      : assignment.state === 'noStore'
        ? { className: 'badge-none', text: t('campaigns.state.noStore') }
        : isAdSet
          ? null
          : { className: 'badge-pending', text: t('campaigns.state.unassigned') };

  return (
    <div className="flex flex-col gap-2" data-testid={`decision-${targetKey(target)}`}>
      <p className="m-0 flex flex-wrap items-center gap-2 text-sm" data-testid="assignment">
        {badge && <span className={`badge ${badge.className}`}>{badge.text}</span>}
        {assignment.state === 'stores' && <SharesText shares={assignment.shares} />}
        {isAdSet && undecided && <span className="text-muted">{t('campaigns.followsCampaign')}</span>}
      </p>

      {undecided && suggestion && (
        <p className="m-0 text-sm" data-testid="suggestion">
          <span className="text-muted">
            {orders === 1 ? t('campaigns.suggestedOne') : t('campaigns.suggested', { orders: formatNumber(orders) })}
          </span>{' '}
          <SharesText shares={suggestion} />
        </p>
      )}
      {undecided && !suggestion && !isAdSet && <p className="m-0 text-sm text-muted">{t('campaigns.noSuggestion')}</p>}
      {differs && suggestion && (
        <p className="m-0 text-xs text-muted" data-testid="suggestion">
          {t('campaigns.ordersDiffer')} <SharesText shares={suggestion} />
        </p>
      )}
      {assignment.changedBy && assignment.decidedAt !== null && (
        <p className="m-0 text-xs text-muted">
          {t('campaigns.changedBy', { who: assignment.changedBy, when: agoText(language, assignment.decidedAt) })}
        </p>
      )}
      {assignment.reassignedAt && (
        <p className="m-0 text-xs text-muted">
          {t('campaigns.reassigned', { when: agoText(language, assignment.reassignedAt) })}
        </p>
      )}

      {!editing && (
        <div
          className="flex flex-wrap gap-2"
          role="group"
          aria-label={t('campaigns.actionsFor', { name: target.name })}
          title={blocked ?? undefined}
        >
          {undecided && suggestion && (
            <button type="button" className="btn btn-primary btn-sm" disabled={saving || blocked !== null} onClick={confirm}>
              {t('campaigns.confirm')}
            </button>
          )}
          {undecided ? (
            <button
              type="button"
              className="btn btn-sm"
              disabled={saving || blocked !== null || noStores !== null}
              title={noStores ?? undefined}
              onClick={onEdit}
            >
              {isAdSet ? t('campaigns.assignAdSet') : t('campaigns.choose')}
            </button>
          ) : (
            <button type="button" className="btn btn-sm" disabled={saving || blocked !== null} onClick={onEdit}>
              {t('campaigns.change')}
            </button>
          )}
          {undecided && !isAdSet && (
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              disabled={saving || blocked !== null}
              onClick={() => onDecide({ kind: 'noStore' })}
            >
              {t('campaigns.noStore')}
            </button>
          )}
          {differs && (
            <button type="button" className="btn btn-ghost btn-sm" disabled={saving || blocked !== null} onClick={confirm}>
              {t('campaigns.useSuggestion')}
            </button>
          )}
          {!undecided && (
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              disabled={saving || blocked !== null}
              onClick={() => onDecide({ kind: 'unassigned' })}
            >
              {isAdSet ? t('campaigns.followCampaign') : t('campaigns.clear')}
            </button>
          )}
        </div>
      )}

      {editing && (
        <ShareEditor
          name={target.name}
          initial={initial}
          initialNoStore={assignment.state === 'noStore'}
          stores={stores}
          saving={saving}
          onSave={onDecide}
          onCancel={onCancel}
        />
      )}
    </div>
  );
}
