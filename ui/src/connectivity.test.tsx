import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { IntegrationsPage } from './components/IntegrationsPage';
import { ConnectivityProvider, useConnectivity } from './connectivity';
import { connectivity, integration } from './test/fakeBackend';
import { api, renderWithProviders } from './test/render';
import type { Connectivity } from './types';

function Mode() {
  const { connectivity: c } = useConnectivity();
  return <p data-testid="mode">{`${c.mode} ${c.dataVersion}`}</p>;
}

const wait = (ms: number) => act(() => new Promise((resolve) => setTimeout(resolve, ms)));

describe('ConnectivityProvider', () => {
  it('polls, and reloads the list only when dataVersion or mode moves', async () => {
    const answers: Connectivity[] = [
      connectivity({ mode: 'CONNECTING', dataVersion: 1 }),
      connectivity({ mode: 'CONNECTING', dataVersion: 1 }),
      connectivity({ mode: 'ONLINE', dataVersion: 1 }),
      connectivity({ mode: 'ONLINE', dataVersion: 1 }),
      connectivity({ mode: 'ONLINE', dataVersion: 2 }),
    ];
    let call = 0;
    api.connectivityStatus.mockImplementation(async () => answers[Math.min(call++, answers.length - 1)]);
    api.listIntegrations.mockResolvedValue([integration({ name: 'Shop thời trang' })]);
    renderWithProviders(
      <ConnectivityProvider intervalMs={20}>
        <Mode />
        <IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />
      </ConnectivityProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('mode')).toHaveTextContent('ONLINE 2'));
    await screen.findByRole('table');
    // The first load, then one reload for CONNECTING → ONLINE and one for dataVersion 1 → 2.
    await waitFor(() => expect(api.listIntegrations).toHaveBeenCalledTimes(3));
    await wait(100);
    expect(api.listIntegrations).toHaveBeenCalledTimes(3);
    // The list stayed on screen while reloading.
    expect(screen.queryByText('Loading integrations…')).not.toBeInTheDocument();
  });

  it('never has two calls in flight, even when focus and online events pile up', async () => {
    let inFlight = 0;
    let most = 0;
    api.connectivityStatus.mockImplementation(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight -= 1;
      return connectivity({ mode: 'OFFLINE' });
    });
    renderWithProviders(
      <ConnectivityProvider intervalMs={10}>
        <Mode />
      </ConnectivityProvider>,
    );
    for (let i = 0; i < 5; i++) {
      window.dispatchEvent(new Event('focus'));
      window.dispatchEvent(new Event('online'));
      await wait(5);
    }
    await wait(100);
    expect(api.connectivityStatus.mock.calls.length).toBeGreaterThan(2);
    expect(most).toBe(1);
  });

  it('asks at once when the window regains focus', async () => {
    renderWithProviders(
      <ConnectivityProvider intervalMs={60_000}>
        <Mode />
      </ConnectivityProvider>,
    );
    await waitFor(() => expect(api.connectivityStatus).toHaveBeenCalledTimes(1));
    await wait(20);
    window.dispatchEvent(new Event('focus'));
    await waitFor(() => expect(api.connectivityStatus).toHaveBeenCalledTimes(2));
  });

  it('stops polling when unmounted (signed out)', async () => {
    const { unmount } = renderWithProviders(
      <ConnectivityProvider intervalMs={10}>
        <Mode />
      </ConnectivityProvider>,
    );
    await waitFor(() => expect(api.connectivityStatus.mock.calls.length).toBeGreaterThan(1));
    unmount();
    await wait(20);
    const calls = api.connectivityStatus.mock.calls.length;
    window.dispatchEvent(new Event('focus'));
    await wait(60);
    expect(api.connectivityStatus.mock.calls.length).toBe(calls);
  });

  it('keeps polling after a failed call', async () => {
    api.connectivityStatus
      .mockRejectedValueOnce(new Error('IPC hiccup'))
      .mockResolvedValue(connectivity({ mode: 'OFFLINE', dataVersion: 3 }));
    renderWithProviders(
      <ConnectivityProvider intervalMs={10}>
        <Mode />
      </ConnectivityProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('mode')).toHaveTextContent('OFFLINE 3'));
  });
});
