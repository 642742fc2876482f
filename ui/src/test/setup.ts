import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';

import { backend } from '../backend';
import { resetFakeBackend, type FakeBackend } from './fakeBackend';

// Every test sees a mocked `backend` (never `invoke`); BackendError and friends stay real.
vi.mock('../backend', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../backend')>();
  const { makeFakeBackend } = await import('./fakeBackend');
  return { ...actual, backend: makeFakeBackend() };
});

// findBy… and waitFor wait for what the test expects; their limit only ends a test that would
// hang. A busy machine (CI, several builds at once) can take seconds to render a page, and a
// test must not fail for that: how fast the UI is belongs in a benchmark, not here.
configure({ asyncUtilTimeout: 30_000 });

// jsdom has no scrolling; pages scroll to the top when they change.
window.scrollTo = () => undefined;

beforeEach(() => {
  resetFakeBackend(backend as unknown as FakeBackend);
  delete document.documentElement.dataset.theme;
});

afterEach(cleanup);
