import { describe, expect, it } from 'vitest';

import { translator } from '../../i18n';
import { assignment, campaign } from '../../test/fakeBackend';
import { draftChoice, draftProblem, draftTotal, evenDrafts, needsDecision, parsePercent, percentInput, sameShares } from './campaigns';

const t = translator('en');
const format = (bp: number) => `${bp / 100}%`;

describe('shares as typed', () => {
  it('read percentages to the hundredth, with a dot or a comma', () => {
    expect(parsePercent('60')).toBe(6000);
    expect(parsePercent(' 33,33 ')).toBe(3333);
    expect(parsePercent('33.33')).toBe(3333);
    expect(parsePercent('12.5 %')).toBe(1250);
    expect(parsePercent('100')).toBe(10000);
    for (const bad of ['', 'abc', '-5', '1.234', '60.', '.5', '1e2', '1000']) expect(parsePercent(bad)).toBeNull();
  });

  it('write basis points back the way the user types them', () => {
    expect(percentInput(6000, '.')).toBe('60');
    expect(percentInput(3333, ',')).toBe('33,33');
    expect(percentInput(1250, '.')).toBe('12.5');
    expect(percentInput(5, '.')).toBe('0.05');
  });

  it('must add up to 100 %, each store once', () => {
    const ok = [
      { store: 'a', percent: '33,33' },
      { store: 'b', percent: '66.67' },
    ];
    expect(draftTotal(ok)).toBe(10000);
    expect(draftProblem(t, ok, format)).toBeNull();
    expect(draftChoice(ok)).toEqual({
      kind: 'stores',
      shares: [
        { store: 'a', basisPoints: 3333 },
        { store: 'b', basisPoints: 6667 },
      ],
    });
    expect(draftProblem(t, [{ store: 'a', percent: '60' }, { store: 'b', percent: '30' }], format)).toBe(
      'The shares add up to 90%; they must add up to 100 %.',
    );
    expect(draftProblem(t, [{ store: 'a', percent: '50' }, { store: 'a', percent: '50' }], format)).toBe(
      'Each store can be listed once.',
    );
    expect(draftProblem(t, [{ store: '', percent: '100' }], format)).toBe('Choose a store for every row.');
    expect(draftProblem(t, [{ store: 'a', percent: 'sáu mươi' }], format)).toBe(
      '“sáu mươi” is not a percentage such as 60 or 33.33.',
    );
    expect(draftProblem(t, [{ store: 'a', percent: '0' }, { store: 'b', percent: '100' }], format)).toBe(
      'A share is between 0.01 % and 100 %.',
    );
    expect(draftProblem(t, [], format)).toBe('Add at least one store, or choose “To no store”.');
  });

  it('split evenly in hundredths, the first taking the rest as the core would', () => {
    expect(evenDrafts(['a', 'b', 'c'], '.').map((d) => d.percent)).toEqual(['33.34', '33.33', '33.33']);
    expect(evenDrafts(['a', 'b'], ',').map((d) => d.percent)).toEqual(['50', '50']);
    expect(draftTotal(evenDrafts(['a', 'b', 'c', 'd', 'e', 'f', 'g'], '.'))).toBe(10000);
  });

  it('compare in order', () => {
    const a = { store: 'a', basisPoints: 5000 };
    const b = { store: 'b', basisPoints: 5000 };
    expect(sameShares([a, b], [a, b])).toBe(true);
    expect(sameShares([a, b], [b, a])).toBe(false);
  });
});

describe('needs a decision', () => {
  it('when the campaign and one of its ad sets are unassigned', () => {
    const set = (state: 'unassigned' | 'stores') => ({
      adsetId: 's',
      name: null,
      assignment: assignment({ state }),
      suggestion: null,
      sales: [],
      spendMinor: 0,
    });
    expect(needsDecision(campaign())).toBe(true);
    expect(needsDecision(campaign({ adSets: [set('stores'), set('unassigned')] }))).toBe(true);
    expect(needsDecision(campaign({ adSets: [set('stores'), set('stores')] }))).toBe(false);
    expect(needsDecision(campaign({ assignment: assignment({ state: 'noStore', version: 3 }) }))).toBe(false);
  });
});
