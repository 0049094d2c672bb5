import type { Backend } from './index';
import { toBackendError } from './index';
import type { AppError } from './types';

/** Refusals that change the whole window, whichever screen's command met
 * them: the team's lease ran out (`lease_expired`: the lock screen), or an
 * administrator had this laptop's data erased (`wiped`). */
export const WINDOW_REFUSALS: readonly string[] = ['lease_expired', 'wiped'];

/** A backend that also tells who listens when a command meets one of the
 * [WINDOW_REFUSALS]. The command still rejects as before, for its screen. */
export interface WatchedBackend extends Backend {
  onRefusal(listener: (error: AppError) => void): () => void;
}

export function watchRefusals(backend: Backend): WatchedBackend {
  const listeners = new Set<(error: AppError) => void>();
  return {
    async call(command, ...args) {
      try {
        return await backend.call(command, ...args);
      } catch (e) {
        const error = toBackendError(e);
        if (WINDOW_REFUSALS.includes(error.error.code)) listeners.forEach((listener) => listener(error.error));
        throw error;
      }
    },
    onProgress: (listener) => backend.onProgress(listener),
    onRefusal(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
