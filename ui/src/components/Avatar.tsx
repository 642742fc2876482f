//! Initials on a colour picked from the name. Shop avatars are remote Pancake URLs, which the
//! CSP (img-src 'self' data:) will not load, so the initials stand in for them.

const COLOURS = ['#4f46e5', '#0e7490', '#b45309', '#be185d', '#15803d', '#7c3aed', '#c2410c', '#1d4ed8'];

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => [...w][0]?.toLocaleUpperCase() ?? '').join('') || '?';
}

export function Avatar({ name }: { name: string }) {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return (
    <span className="avatar" aria-hidden="true" style={{ background: COLOURS[hash % COLOURS.length] }}>
      {initials(name)}
    </span>
  );
}
