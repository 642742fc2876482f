import type { Integration } from '../types';

/** A store picker's options: first the choice of none (`empty`, e.g. "All stores"), then each store by name. */
export function StoreOptions({ empty, stores }: { empty: string; stores: Integration[] }) {
  return (
    <>
      <option value="">{empty}</option>
      {stores.map((s) => (
        <option key={s.id} value={s.id}>
          {s.name}
        </option>
      ))}
    </>
  );
}
