import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Backend } from './index';
import { toBackendError } from './index';
import type { Progress } from './types';

/** The desktop app: Tauri IPC. Every command takes one parameter, `args`. */
export function tauriBackend(): Backend {
  return {
    async call(command, ...args) {
      try {
        return await invoke(command, args.length ? { args: args[0] } : {});
      } catch (e) {
        throw toBackendError(e);
      }
    },
    onProgress(listener) {
      const stop = listen<Progress>('progress', (e) => listener(e.payload));
      return () => {
        void stop.then((f) => f());
      };
    },
  };
}
