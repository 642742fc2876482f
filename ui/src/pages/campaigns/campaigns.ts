//! The Campaigns page's pure parts: shares as the user types them (percentages) and as the core
//! takes them (basis points, 10000 = 100 %), the rule that they add up to 100 %, and which
//! campaigns still need a decision. The core checks the same rule again; this one answers while
//! the user types.

import type { Translate } from '../../i18n';
import type { AssignmentChoice, Campaign, StoreShare } from '../../types';

/** A whole share, in basis points. */
export const WHOLE = 10_000;

/** One row of the shares editor: a store (its integration id, '' while none is chosen) and its share as typed. */
export interface ShareDraft {
  store: string;
  percent: string;
}

/** `"60"`, `"33,33"`, `"33.33"` or `"12.5 %"` as basis points; null when it is not such a number. */
export function parsePercent(text: string): number | null {
  const clean = text.trim().replace(/\s*%$/, '').trim().replace(',', '.');
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(clean)) return null;
  const [whole, fraction = ''] = clean.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Basis points as the user types a percentage back: 6000 → `60`, 3333 → `33.33` (`33,33` in Vietnamese). */
export function percentInput(basisPoints: number, decimal: ',' | '.'): string {
  const whole = Math.floor(basisPoints / 100);
  const fraction = basisPoints % 100;
  if (fraction === 0) return String(whole);
  const digits = String(fraction).padStart(2, '0').replace(/0$/, '');
  return `${whole}${decimal}${digits}`;
}

/** The total of the drafts in basis points, or null while one of them is not a number. */
export function draftTotal(drafts: ShareDraft[]): number | null {
  let total = 0;
  for (const draft of drafts) {
    const share = parsePercent(draft.percent);
    if (share === null) return null;
    total += share;
  }
  return total;
}

/** Why the drafts cannot be saved, or null when they can (the core's rule, said before it is asked). */
export function draftProblem(t: Translate, drafts: ShareDraft[], formatPercent: (bp: number) => string): string | null {
  if (drafts.length === 0) return t('campaigns.problem.noStore');
  if (drafts.some((d) => d.store === '')) return t('campaigns.problem.chooseStore');
  if (new Set(drafts.map((d) => d.store)).size !== drafts.length) return t('campaigns.problem.twice');
  for (const draft of drafts) {
    const share = parsePercent(draft.percent);
    if (share === null) return t('campaigns.problem.notPercent', { value: draft.percent.trim() || '…' });
    if (share < 1 || share > WHOLE) return t('campaigns.problem.range');
  }
  const total = draftTotal(drafts) ?? 0;
  if (total !== WHOLE) return t('campaigns.problem.total', { total: formatPercent(total) });
  return null;
}

/** The drafts as the core takes them (call only when `draftProblem` is null). */
export function draftChoice(drafts: ShareDraft[]): AssignmentChoice {
  return {
    kind: 'stores',
    shares: drafts.map((d) => ({ store: d.store, basisPoints: parsePercent(d.percent) ?? 0 })),
  };
}

/**
 * `stores` sharing evenly in hundredths of a percent: each gets the same rounded down, and the
 * first the rest (the core gives a remainder to the first of equal shares too).
 */
export function evenDrafts(stores: string[], decimal: ',' | '.'): ShareDraft[] {
  if (stores.length === 0) return [];
  const each = Math.floor(WHOLE / stores.length);
  const rest = WHOLE - each * stores.length;
  return stores.map((store, i) => ({ store, percent: percentInput(each + (i === 0 ? rest : 0), decimal) }));
}

/** Whether two lists of shares are the same stores with the same shares, in the same order. */
export function sameShares(a: StoreShare[], b: StoreShare[]): boolean {
  return a.length === b.length && a.every((s, i) => s.store === b[i].store && s.basisPoints === b[i].basisPoints);
}

/** Some of the campaign's spend has no decision: it is unassigned, and so is one of its ad sets (one of its own decides for itself). */
export function needsDecision(campaign: Campaign): boolean {
  return (
    campaign.assignment.state === 'unassigned' &&
    (campaign.adSets.length === 0 || campaign.adSets.some((s) => s.assignment.state === 'unassigned'))
  );
}
