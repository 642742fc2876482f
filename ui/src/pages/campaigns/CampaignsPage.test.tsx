import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';

import { BackendError } from '../../backend';
import { assignment, campaign, integration } from '../../test/fakeBackend';
import { expectNoFieldsetInFlexColumn } from '../../test/layout';
import { api, renderWithProviders } from '../../test/render';
import type { Campaign } from '../../types';
import { CampaignsPage } from './CampaignsPage';

const hanoi = integration({ id: 'store-hn', name: 'Cửa hàng Hà Nội' });
const saigon = integration({ id: 'store-sg', name: 'Cửa hàng Sài Gòn' });
const ads = integration({ id: 'meta', name: 'Quảng cáo', provider: 'META_ADS', config: { adAccountId: 'act_1' } });

const tet = campaign({
  campaignId: 'c1',
  name: 'Khuyến mãi Tết',
  spendMinor: 2_450_000,
  suggestion: [
    { store: 'store-hn', storeName: 'Cửa hàng Hà Nội', basisPoints: 6000 },
    { store: 'store-sg', storeName: 'Cửa hàng Sài Gòn', basisPoints: 4000 },
  ],
  sales: [
    { store: 'store-hn', storeName: 'Cửa hàng Hà Nội', orders: 6, revenueMinor: 3_000_000 },
    { store: 'store-sg', storeName: 'Cửa hàng Sài Gòn', orders: 4, revenueMinor: 2_000_000 },
  ],
  adSets: [
    { adsetId: 's1', name: 'Nữ 25–40', assignment: assignment(), suggestion: null, sales: [], spendMinor: 1_450_000 },
    { adsetId: 's2', name: 'Quà Tết', assignment: assignment(), suggestion: null, sales: [], spendMinor: 1_000_000 },
  ],
});
const decided = campaign({
  campaignId: 'c2',
  name: 'Xả kho',
  spendMinor: 760_000,
  assignment: assignment({
    state: 'stores',
    shares: [{ store: 'store-sg', storeName: 'Cửa hàng Sài Gòn', basisPoints: 10000 }],
    version: 7,
    decidedAt: '2026-11-20T03:00:00Z',
    changedBy: 'chu@shop.vn',
  }),
});

function setup(campaigns: Campaign[] = [tet, decided], connectivity = {}, language: 'en' | 'vi' = 'en') {
  api.listCampaigns.mockResolvedValue(campaigns);
  api.listIntegrations.mockResolvedValue([hanoi, saigon, ads]);
  const user = userEvent.setup();
  renderWithProviders(<CampaignsPage />, { language }, connectivity);
  return { user };
}

const card = (name: string) => screen.getByRole('listitem', { name });
/** What the page asks the core to save: the campaign's spend shared among stores, in basis points, over version 0. */
const toStores = (campaignId: string, shares: Record<string, number>) => ({
  campaignId,
  choice: { kind: 'stores', shares: Object.entries(shares).map(([store, basisPoints]) => ({ store, basisPoints })) },
  expectedVersion: 0,
});

describe('CampaignsPage', () => {
  beforeEach(() => {
    api.assignCampaign.mockReset();
  });

  it('opens on the campaigns that need a decision, with what the orders suggest', async () => {
    setup();
    await screen.findByRole('heading', { name: 'Khuyến mãi Tết' });
    expect(screen.getByRole('radio', { name: 'Needs a decision (1)' })).toBeChecked();
    expect(screen.queryByRole('heading', { name: 'Xả kho' })).toBeNull();
    const tetCard = card('Khuyến mãi Tết');
    expect(within(tetCard).getByText('Not assigned')).toBeInTheDocument();
    expect(within(tetCard).getByTestId('suggestion')).toHaveTextContent(
      'Suggested from 10 orders: Cửa hàng Hà Nội 60% · Cửa hàng Sài Gòn 40%',
    );
    expect(within(tetCard).getByTestId('campaign-spend')).toHaveTextContent('₫2,450,000');
    expect(within(tetCard).getByText('Ad sets (2)')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('radio', { name: 'All campaigns (2)' }));
    expect(within(card('Xả kho')).getByTestId('assignment')).toHaveTextContent('AssignedCửa hàng Sài Gòn 100%');
  });

  it('confirms a suggestion as it is, on the version it was shown', async () => {
    const { user } = setup();
    const confirmed = { ...tet, assignment: assignment({ state: 'stores', shares: tet.suggestion ?? [], version: 3 }) };
    api.assignCampaign.mockResolvedValue(confirmed);
    await screen.findByRole('heading', { name: 'Khuyến mãi Tết' });
    const actions = screen.getByRole('group', { name: 'Actions for Khuyến mãi Tết' });
    await user.click(within(actions).getByRole('button', { name: 'Confirm suggestion' }));
    expect(api.assignCampaign).toHaveBeenCalledWith(toStores('c1', { 'store-hn': 6000, 'store-sg': 4000 }));
    await screen.findByText('Saved “Khuyến mãi Tết”: reports follow, past days included.');
    // Still in view under "Needs a decision", the campaign's own decision first, its ad sets' after.
    expect(screen.getByRole('radio', { name: 'Needs a decision (0)' })).toBeChecked();
    expect(within(card('Khuyến mãi Tết')).getAllByTestId('assignment')[0]).toHaveTextContent(
      'AssignedCửa hàng Hà Nội 60% · Cửa hàng Sài Gòn 40%',
    );
  });

  it('edits shares, refusing a total that is not 100 % before asking the core', async () => {
    const { user } = setup();
    api.assignCampaign.mockResolvedValue(tet);
    await screen.findByRole('heading', { name: 'Khuyến mãi Tết' });
    await user.click(screen.getByRole('button', { name: 'Choose stores…' }));
    const form = screen.getByRole('form', { name: 'Stores of Khuyến mãi Tết' });
    // Prefilled with the suggestion.
    expect(within(form).getByLabelText('Store 1')).toHaveValue('store-hn');
    expect(within(form).getByLabelText('Share of store 1 (%)')).toHaveValue('60');
    expect(within(form).getByTestId('share-total')).toHaveTextContent('Total 100%');

    const second = within(form).getByLabelText('Share of store 2 (%)');
    await user.clear(second);
    await user.type(second, '30');
    expect(within(form).getByRole('alert')).toHaveTextContent('The shares add up to 90%; they must add up to 100 %.');
    expect(within(form).getByRole('button', { name: 'Save' })).toBeDisabled();

    await user.clear(second);
    await user.type(second, '40,00');
    expect(within(form).queryByRole('alert')).toBeNull();
    await user.click(within(form).getByRole('button', { name: 'Split evenly' }));
    expect(within(form).getByLabelText('Share of store 1 (%)')).toHaveValue('50');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(api.assignCampaign).toHaveBeenCalledWith(toStores('c1', { 'store-hn': 5000, 'store-sg': 5000 }));
  });

  it('assigns an ad set on its own, and says no store for a campaign', async () => {
    const { user } = setup();
    api.assignCampaign.mockResolvedValue(tet);
    await screen.findByRole('heading', { name: 'Khuyến mãi Tết' });
    await user.click(screen.getByText('Ad sets (2)'));
    const set = screen.getByRole('group', { name: 'Actions for Quà Tết' });
    await user.click(within(set).getByRole('button', { name: 'Assign separately…' }));
    const form = screen.getByRole('form', { name: 'Stores of Quà Tết' });
    expectNoFieldsetInFlexColumn(form);
    await user.selectOptions(within(form).getByLabelText('Store 1'), 'Cửa hàng Sài Gòn');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(api.assignCampaign).toHaveBeenLastCalledWith({
      campaignId: 'c1',
      adsetId: 's2',
      choice: { kind: 'stores', shares: [{ store: 'store-sg', basisPoints: 10000 }] },
      expectedVersion: 0,
    });
    await user.click(within(screen.getByRole('group', { name: 'Actions for Khuyến mãi Tết' })).getByRole('button', { name: 'No store' }));
    expect(api.assignCampaign).toHaveBeenLastCalledWith({ campaignId: 'c1', choice: { kind: 'noStore' }, expectedVersion: 0 });
  });

  it('clears a decision, and offers a reload when someone else changed it meanwhile', async () => {
    const { user } = setup([decided]);
    api.assignCampaign.mockRejectedValue(new BackendError({ code: 'STALE_EDIT', message: 'changed' }));
    await screen.findByRole('heading', { name: 'Xả kho' });
    expect(screen.getByText(/Changed by chu@shop.vn/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(api.assignCampaign).toHaveBeenCalledWith({ campaignId: 'c2', choice: { kind: 'unassigned' }, expectedVersion: 7 });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Someone changed this campaign meanwhile');
    api.listCampaigns.mockResolvedValue([{ ...decided, assignment: { ...decided.assignment, version: 8 } }]);
    await user.click(within(alert).getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect(api.listCampaigns).toHaveBeenCalledTimes(2));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('offline, shows the local copy and decides nothing', async () => {
    setup([tet], { mode: 'OFFLINE' }, 'vi');
    await screen.findByRole('heading', { name: 'Khuyến mãi Tết' });
    expect(screen.getByTestId('campaigns-offline')).toHaveTextContent('Gán chiến dịch cần kết nối máy chủ');
    const actions = screen.getByRole('group', { name: 'Thao tác cho Khuyến mãi Tết' });
    for (const button of within(actions).getAllByRole('button')) expect(button).toBeDisabled();
    expect(within(card('Khuyến mãi Tết')).getByText('Chưa gán')).toBeInTheDocument();
  });

  it('says where campaigns come from when there are none', async () => {
    setup([]);
    expect(await screen.findByTestId('campaigns-empty')).toHaveTextContent('No campaigns yet');
  });
});
