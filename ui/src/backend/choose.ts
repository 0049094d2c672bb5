import type { Backend } from './index';
import { httpBackend } from './http';
import { tauriBackend } from './tauri';

const TOKEN_KEY = 'crm-bridge-token';

/** Tauri's IPC inside the desktop app; otherwise the bridge that served this
 * page, with the token given once as `?token=` (kept for the tab's life and
 * removed from the address bar). */
export function chooseBackend(): Backend {
  if ('__TAURI_INTERNALS__' in window) return tauriBackend();
  const url = new URL(window.location.href);
  const given = url.searchParams.get('token');
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
  }
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  return httpBackend(`${url.origin}/`, token);
}
