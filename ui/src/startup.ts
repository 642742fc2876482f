// The first screen's timings, sent with the signal that shows the window: the desktop app
// creates its window hidden and shows it when the page says its first screen is rendered, so
// nobody sees an empty frame (issue 18). The app logs the timings (where start-up time goes).

import { backend } from './backend';

/** When this module ran: the app's script, its imports fetched and parsed, started running. */
const scriptStarted = performance.now();
let coreAnswered: number | null = null;

/** The core's first answer arrived (only the first call counts). */
export function markCoreAnswered() {
  coreAnswered ??= performance.now();
}

/**
 * Tells the app the first screen (not the "Starting…" placeholder) is rendered. Call it once
 * per page load. Never throws: without an answer the app shows its window after a timeout.
 */
export function reportFirstScreen() {
  const rendered = performance.now();
  const navigation = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  const timings = {
    htmlLoaded: navigation?.responseEnd ?? 0,
    scriptStarted,
    coreAnswered: coreAnswered ?? rendered,
    rendered,
  };
  try {
    void Promise.resolve(backend.firstScreenReady(timings)).catch(() => undefined);
  } catch {
    // A test double without this command: nothing to show.
  }
}
