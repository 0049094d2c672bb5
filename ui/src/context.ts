import { createContext, useContext } from 'react';
import type { Backend, Settings, Status } from './backend';

export interface AppContextValue {
  backend: Backend;
  status: Status;
  refreshStatus: () => Promise<void>;
  settings: Settings;
  saveSettings: (s: Settings) => Promise<void>;
  /** The user's locale tag for formatting (en-US, zh-CN, es-ES). */
  locale: string;
  /** Announce a short confirmation (polite live region). */
  notify: (message: string) => void;
  /** Show an error from the core, translated. */
  fail: (e: unknown) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp outside AppContext');
  return ctx;
}
