//! Language, theme and the other preferences: one context for the whole app. The language picks
//! the dictionary and the date format (time zone: the operating system's); the theme is applied
//! as `data-theme` on <html>, resolved from the system when the preference is 'system'.

import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type Dispatch,
  type ReactNode,
  type SetStateAction,
} from 'react';

import type { Language, Preferences, Theme } from '../types';
import { en, type MessageKey, type Messages } from './en';
import { vi } from './vi';

export type { MessageKey } from './en';

const DICTIONARIES: Record<Language, Messages> = { en, vi };
const LOCALES: Record<Language, string> = { en: 'en-US', vi: 'vi-VN' };

/** The Intl locale of a language: en-US, vi-VN. */
export function localeOf(language: Language): string {
  return LOCALES[language];
}

export const DEFAULT_PREFERENCES: Preferences = { language: null, theme: 'system', lastEmail: null };

/** Vietnamese when the OS language is Vietnamese, else English. */
export function systemLanguage(): Language {
  const lang = typeof navigator === 'undefined' ? '' : navigator.language ?? '';
  return lang.toLowerCase().startsWith('vi') ? 'vi' : 'en';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  const dict = DICTIONARIES[language];
  return (key, vars) => {
    const text = dict[key];
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in vars ? String(vars[name]) : whole,
    );
  };
}

function systemPrefersDark(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: dark)').matches
    : false;
}

/** Follows the system's colour scheme while the preference is 'system'. */
function useResolvedTheme(theme: Theme): 'light' | 'dark' {
  const [systemDark, setSystemDark] = useState(systemPrefersDark);
  useEffect(() => {
    if (theme !== 'system' || typeof window.matchMedia !== 'function') return;
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setSystemDark(query.matches);
    onChange();
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [theme]);
  return theme === 'system' ? (systemDark ? 'dark' : 'light') : theme;
}

interface PreferencesContextValue {
  preferences: Preferences;
  language: Language;
  resolvedTheme: 'light' | 'dark';
  t: Translate;
  formatDate: (iso: string) => string;
  /** The time of day alone, e.g. 14:05 (vi) or 2:05 PM (en). */
  formatTime: (iso: string) => string;
  /** A count with the language's grouping: 1.234 (vi), 1,234 (en). */
  formatNumber: (value: number) => string;
  /** Replace the preferences without saving (e.g. as loaded from the core). */
  replace: Dispatch<SetStateAction<Preferences>>;
}

const PreferencesContext = createContext<PreferencesContextValue | null>(null);

export function PreferencesProvider({
  initial = DEFAULT_PREFERENCES,
  children,
}: {
  initial?: Preferences;
  children: ReactNode;
}) {
  const [preferences, replace] = useState<Preferences>(initial);
  const language = preferences.language ?? systemLanguage();
  const resolvedTheme = useResolvedTheme(preferences.theme);

  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = resolvedTheme;
    root.style.colorScheme = resolvedTheme;
  }, [resolvedTheme]);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const t = useMemo(() => translator(language), [language]);
  const dateFormat = useMemo(
    () => new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium', timeStyle: 'short' }),
    [language],
  );
  const formatDate = useCallback(
    (iso: string) => {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
    },
    [dateFormat],
  );
  const timeFormat = useMemo(() => new Intl.DateTimeFormat(LOCALES[language], { timeStyle: 'short' }), [language]);
  const formatTime = useCallback(
    (iso: string) => {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
    },
    [timeFormat],
  );
  const numberFormat = useMemo(() => new Intl.NumberFormat(LOCALES[language]), [language]);
  const formatNumber = useCallback((value: number) => numberFormat.format(value), [numberFormat]);

  const value = useMemo(
    () => ({ preferences, language, resolvedTheme, t, formatDate, formatTime, formatNumber, replace }),
    [preferences, language, resolvedTheme, t, formatDate, formatTime, formatNumber],
  );
  return <PreferencesContext.Provider value={value}>{children}</PreferencesContext.Provider>;
}

export function usePreferences(): PreferencesContextValue {
  const value = useContext(PreferencesContext);
  if (!value) throw new Error('usePreferences outside PreferencesProvider');
  return value;
}

/** The translate function of the chosen language. */
export function useT(): Translate {
  return usePreferences().t;
}
