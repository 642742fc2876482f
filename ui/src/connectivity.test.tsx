import { act, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { IntegrationsPage } from './components/IntegrationsPage';
import { ConnectivityProvider, useConnectivity } from './connectivity';
import { connectivity, integration } from './test/fakeBackend';
import { api, renderWithProviders } from './test/render';
import type { Connectivity } from './types';

function Mode() {
  const { connectivity: c } = useConnectivity();
  return <p data-testid="mode">{`${c.mode} ${c.dataVersion}`}</p>;
}

// The clock is fake: when the core is asked is checked exactly, however busy the machine is.
beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Lets `ms` pass on the fake clock: the timers due fire, and the promises they settle run. */
const elapse = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

/** `connectivity_status` calls, as milliseconds since `start`. */
function callTimes() {
  const start = Date.now();
  const times: number[] = [];
  return {
    record: () => times.push(Date.now() - start),
    times,
  };
}

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
    // One answer every 20 ms: the first load, then one reload for CONNECTING → ONLINE (the
    // third answer) and one for dataVersion 1 → 2 (the fifth), none for the answers in between.
    const loadsAfter = [1, 1, 2, 2, 3];
    for (const [i, loads] of loadsAfter.entries()) {
      await elapse(i === 0 ? 0 : 20);
      expect(screen.getByTestId('mode')).toHaveTextContent(`${answers[i].mode} ${answers[i].dataVersion}`);
      expect(api.listIntegrations).toHaveBeenCalledTimes(loads);
    }
    expect(screen.getByRole('table')).toBeInTheDocument();
    await elapse(1000);
    expect(api.connectivityStatus).toHaveBeenCalledTimes(55);
    expect(api.listIntegrations).toHaveBeenCalledTimes(3);
    // The list stayed on screen while reloading.
    expect(screen.queryByText('Loading integrations…')).not.toBeInTheDocument();
  });

  it('never has two calls in flight, even when focus and online events pile up', async () => {
    let inFlight = 0;
    let most = 0;
    const calls = callTimes();
    api.connectivityStatus.mockImplementation(async () => {
      calls.record();
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
      await elapse(5);
    }
    await elapse(100);
    // The ten events during the first call (0–30 ms) make one more call, right after it; then
    // one every 30 ms + 10 ms.
    expect(calls.times).toEqual([0, 30, 70, 110]);
    expect(most).toBe(1);
  });

  it('asks at once when the window regains focus', async () => {
    const calls = callTimes();
    api.connectivityStatus.mockImplementation(async () => {
      calls.record();
      return connectivity();
    });
    renderWithProviders(
      <ConnectivityProvider intervalMs={60_000}>
        <Mode />
      </ConnectivityProvider>,
    );
    await elapse(20);
    expect(calls.times).toEqual([0]);
    window.dispatchEvent(new Event('focus'));
    await elapse(0);
    expect(calls.times).toEqual([0, 20]);
  });

  it('stops polling when unmounted (signed out)', async () => {
    const { unmount } = renderWithProviders(
      <ConnectivityProvider intervalMs={10}>
        <Mode />
      </ConnectivityProvider>,
    );
    await elapse(25);
    expect(api.connectivityStatus).toHaveBeenCalledTimes(3);
    unmount();
    window.dispatchEvent(new Event('focus'));
    await elapse(60_000);
    expect(api.connectivityStatus).toHaveBeenCalledTimes(3);
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
    await elapse(0);
    expect(screen.getByTestId('mode')).toHaveTextContent('STANDALONE 0');
    await elapse(10);
    expect(screen.getByTestId('mode')).toHaveTextContent('OFFLINE 3');
  });
});
