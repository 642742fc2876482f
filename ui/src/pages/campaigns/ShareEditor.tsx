//! Where a campaign's (or ad set's) spend belongs: to stores with shares, or to no store. The
//! shares are typed as percentages and checked as they are typed (they must add up to 100 %);
//! the core checks them again when they are saved.

import { useId, useState } from 'react';

import { StoreOptions } from '../../components/StoreOptions';
import { usePreferences } from '../../i18n';
import type { AssignmentChoice, Integration } from '../../types';
import { draftChoice, draftProblem, draftTotal, evenDrafts, type ShareDraft } from './campaigns';
import { usePercent } from './usePercent';

export function ShareEditor({
  name,
  initial,
  initialNoStore,
  stores,
  saving,
  onSave,
  onCancel,
}: {
  /** The campaign's (or ad set's) name, for the form's label. */
  name: string;
  initial: ShareDraft[];
  initialNoStore: boolean;
  stores: Integration[];
  saving: boolean;
  onSave: (choice: AssignmentChoice) => void;
  onCancel: () => void;
}) {
  const { t } = usePreferences();
  const { format, decimal } = usePercent();
  const id = useId();
  const [noStore, setNoStore] = useState(initialNoStore);
  const [drafts, setDrafts] = useState<ShareDraft[]>(() =>
    initial.length > 0 ? initial : [{ store: stores.length === 1 ? stores[0].id : '', percent: '100' }],
  );
  const problem = noStore ? null : draftProblem(t, drafts, format);
  const total = draftTotal(drafts);

  const update = (index: number, change: Partial<ShareDraft>) =>
    setDrafts((current) => current.map((d, i) => (i === index ? { ...d, ...change } : d)));
  const remove = (index: number) => setDrafts((current) => current.filter((_, i) => i !== index));
  const add = () => {
    const unused = stores.find((s) => !drafts.some((d) => d.store === s.id));
    setDrafts((current) => [...current, { store: unused?.id ?? '', percent: '' }]);
  };
  const even = () => setDrafts((current) => evenDrafts(current.map((d) => d.store), decimal));

  const save = () => {
    if (noStore) onSave({ kind: 'noStore' });
    else if (!problem) onSave(draftChoice(drafts));
  };

  return (
    <form
      className="share-editor stack gap-3 rounded-xl border border-line bg-subtle px-4 py-3"
      aria-label={t('campaigns.editor.label', { name })}
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <fieldset className="m-0 flex flex-col gap-1.5 border-0 p-0">
        <legend className="label mb-1.5 p-0">{t('campaigns.editor.kind')}</legend>
        <div className="segmented self-start">
          <label>
            <input type="radio" name={`${id}-kind`} checked={!noStore} onChange={() => setNoStore(false)} />
            {t('campaigns.editor.stores')}
          </label>
          <label>
            <input type="radio" name={`${id}-kind`} checked={noStore} onChange={() => setNoStore(true)} />
            {t('campaigns.editor.noStore')}
          </label>
        </div>
      </fieldset>

      {!noStore && (
        <>
          <ul className="m-0 flex list-none flex-col gap-2 p-0">
            {drafts.map((draft, index) => {
              const n = index + 1;
              const invalidShare = draft.percent.trim() !== '' && problem !== null && draftTotal([draft]) === null;
              return (
                <li key={index} className="flex flex-wrap items-end gap-2">
                  <div className="field min-w-[14rem] flex-1">
                    <label htmlFor={`${id}-store-${n}`}>{t('campaigns.editor.store', { n })}</label>
                    <select
                      id={`${id}-store-${n}`}
                      className="input"
                      value={draft.store}
                      onChange={(event) => update(index, { store: event.target.value })}
                    >
                      <StoreOptions empty={t('campaigns.editor.choose')} stores={stores} />
                    </select>
                  </div>
                  <div className="field w-32">
                    <label htmlFor={`${id}-share-${n}`}>{t('campaigns.editor.share', { n })}</label>
                    <input
                      id={`${id}-share-${n}`}
                      className="input text-right"
                      inputMode="decimal"
                      autoComplete="off"
                      value={draft.percent}
                      aria-invalid={invalidShare || undefined}
                      aria-describedby={`${id}-total`}
                      onChange={(event) => update(index, { percent: event.target.value })}
                    />
                  </div>
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm mb-1"
                    aria-label={t('campaigns.editor.remove', { n })}
                    disabled={drafts.length === 1}
                    onClick={() => remove(index)}
                  >
                    ✕
                  </button>
                </li>
              );
            })}
          </ul>
          <div className="flex flex-wrap items-center gap-2">
            <button type="button" className="btn btn-sm" onClick={add} disabled={drafts.length >= stores.length}>
              + {t('campaigns.editor.add')}
            </button>
            <button type="button" className="btn btn-sm" onClick={even} disabled={drafts.length < 2}>
              {t('campaigns.editor.even')}
            </button>
            <p
              id={`${id}-total`}
              className={`m-0 ml-auto text-sm font-semibold ${problem ? 'text-danger' : 'text-success'}`}
              data-testid="share-total"
            >
              {t('campaigns.editor.total', { total: total === null ? '—' : format(total) })}
            </p>
          </div>
          {problem ? (
            <p className="m-0 text-sm text-danger" role="alert">
              {problem}
            </p>
          ) : (
            drafts.length > 1 && <p className="m-0 text-xs text-muted">{t('campaigns.editor.remainder')}</p>
          )}
        </>
      )}

      <div className="flex gap-2">
        <button type="submit" className="btn btn-primary btn-sm" disabled={saving || problem !== null}>
          {saving ? t('common.saving') : t('common.save')}
        </button>
        <button type="button" className="btn btn-sm" onClick={onCancel} disabled={saving}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
