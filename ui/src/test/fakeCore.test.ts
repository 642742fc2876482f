// The browser tests' stand-in for the core (e2e/fake-core.js) is plain JavaScript, so nothing
// types it: this holds its command table against the core's list of operations, so a command
// it lacks or misnames fails here rather than as a browser test that waits for nothing.

import { expect, test } from 'vitest';

import { commandNames } from '../bindings/Commands';
import fakeCoreSource from '../../e2e/fake-core.js?raw';

type FakeCoreWindow = { __fakeCore?: { commandNames: string[] } };

test("the browser tests' fake core answers exactly the core's commands", () => {
  const window: FakeCoreWindow = {};
  const installFakeCore = new Function('window', 'mockIPC', `${fakeCoreSource}\nreturn installFakeCore;`)(
    window,
    () => undefined,
  ) as (seed: object) => void;
  installFakeCore({});

  const answered = [...(window.__fakeCore?.commandNames ?? [])].sort();
  expect(answered).toEqual([...commandNames].sort());
});
