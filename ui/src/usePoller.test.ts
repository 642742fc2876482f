import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';

import { usePoller, type Poll } from './usePoller';

/** A call the test answers when it wants to. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets timers due within `ms` fire and the promises they settle run. */
const elapse = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

/** Lets each wait pass in turn, and checks how many calls there were by the end of each. */
async function expectCalls(fetch: Mock, steps: [wait: number, calls: number][]) {
  for (const [wait, calls] of steps) {
    await elapse(wait);
    expect(fetch).toHaveBeenCalledTimes(calls);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('usePoller', () => {
  it('asks at once, then again after the wait the answer chose', async () => {
    const fetch = vi.fn(async () => 'ONLINE');
    const onAnswer = vi.fn(() => 2000);
    renderHook(() => usePoller({ fetch, onAnswer, onError: () => 2000 }));
    await expectCalls(fetch, [[0, 1]]);
    expect(onAnswer).toHaveBeenLastCalledWith('ONLINE');
    await expectCalls(fetch, [[1999, 1], [1, 2]]);
  });

  it('waits as long as each answer says: fast while something runs, slowly after', async () => {
    const answers = ['running', 'running', 'idle', 'idle'];
    let call = 0;
    const fetch = vi.fn(async () => answers[Math.min(call++, answers.length - 1)]);
    renderHook(() => usePoller({ fetch, onAnswer: (a) => (a === 'running' ? 1000 : 5000), onError: () => 5000 }));
    await expectCalls(fetch, [[0, 1], [1000, 2], [1000, 3], [4999, 3], [1, 4]]);
  });

  it('never has two calls in flight: asking during a call asks once more right after it', async () => {
    const calls: ReturnType<typeof deferred<number>>[] = [];
    const fetch = vi.fn(() => {
      const call = deferred<number>();
      calls.push(call);
      return call.promise;
    });
    const onAnswer = vi.fn(() => 60_000);
    const { result } = renderHook(() => usePoller({ fetch, onAnswer, onError: () => 60_000 }));
    expect(fetch).toHaveBeenCalledTimes(1);

    act(() => {
      result.current();
      result.current();
      result.current();
    });
    expect(fetch).toHaveBeenCalledTimes(1);

    await act(async () => calls[0].resolve(1));
    expect(onAnswer).toHaveBeenCalledWith(1);
    expect(fetch).toHaveBeenCalledTimes(2);
    await act(async () => calls[1].resolve(2));
    expect(fetch).toHaveBeenCalledTimes(2);
    await elapse(60_000);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('asking now replaces the wait that was scheduled', async () => {
    const fetch = vi.fn(async () => 'x');
    const { result } = renderHook(() => usePoller({ fetch, onAnswer: () => 5000, onError: () => 5000 }));
    await expectCalls(fetch, [[3000, 1]]);
    await act(async () => result.current());
    // The first answer's 5 s would end 2 s later; only the second one's counts.
    await expectCalls(fetch, [[0, 2], [2000, 2], [3000, 3]]);
  });

  it('a failed call goes to onError, whose wait is kept, and polling goes on', async () => {
    const failure = new Error('The server is out of reach.');
    const fetch = vi.fn().mockRejectedValueOnce(failure).mockResolvedValue('ONLINE');
    const onError = vi.fn(() => 700);
    const onAnswer = vi.fn(() => 10_000);
    renderHook(() => usePoller<string>({ fetch, onAnswer, onError }));
    await elapse(0);
    expect(onError).toHaveBeenCalledWith(failure);
    expect(onAnswer).not.toHaveBeenCalled();
    await elapse(700);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(onAnswer).toHaveBeenCalledWith('ONLINE');
  });

  it('an answer that cannot be taken counts as a failure', async () => {
    const broken = new Error('unexpected shape');
    const onError = vi.fn(() => 1000);
    renderHook(() =>
      usePoller({
        fetch: async () => 'x',
        onAnswer: () => {
          throw broken;
        },
        onError,
      }),
    );
    await elapse(0);
    expect(onError).toHaveBeenCalledWith(broken);
  });

  it('after unmount nothing is taken and nothing is asked, not even by pollNow', async () => {
    const call = deferred<string>();
    const fetch = vi.fn(() => call.promise);
    const onAnswer = vi.fn(() => 100);
    const { result, unmount } = renderHook(() => usePoller({ fetch, onAnswer, onError: () => 100 }));
    const pollNow = result.current;
    unmount();
    await act(async () => call.resolve('late'));
    expect(onAnswer).not.toHaveBeenCalled();
    pollNow();
    await elapse(10_000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('uses the latest render’s callbacks, and pollNow stays the same function', async () => {
    const fetch = vi.fn(async () => 'x');
    const first = vi.fn(() => 1000);
    const second = vi.fn(() => 1000);
    const { result, rerender } = renderHook((poll: Poll<string>) => usePoller(poll), {
      initialProps: { fetch, onAnswer: first, onError: () => 1000 },
    });
    await elapse(0);
    const pollNow = result.current;
    rerender({ fetch, onAnswer: second, onError: () => 1000 });
    await elapse(1000);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(result.current).toBe(pollNow);
  });
});
