import { expect } from 'vitest';

/**
 * No fieldset in `container` is an item of a flex column: WebKitGTK gives such a fieldset its
 * legend's height twice on its first layout (see `.stack` in styles.css). jsdom lays nothing
 * out, so this checks the classes that would.
 */
export function expectNoFieldsetInFlexColumn(container: ParentNode = document.body) {
  const fieldsets = [...container.querySelectorAll('fieldset')];
  expect(fieldsets.length, 'a fieldset to check').toBeGreaterThan(0);
  for (const fieldset of fieldsets) {
    const parent = fieldset.parentElement;
    const name = fieldset.querySelector('legend')?.textContent ?? fieldset.outerHTML.slice(0, 80);
    expect(parent?.classList.contains('flex-col'), `the fieldset "${name}" is in a flex column`).toBe(false);
  }
}
