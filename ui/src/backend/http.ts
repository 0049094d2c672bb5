import type { Backend } from './index';
import { toBackendError } from './index';
import type { Progress } from './types';

/** A browser against the loopback bridge (crm-bridge): POST /api/{command}
 * with the bearer token the bridge printed. */
export function httpBackend(base: string, token: string, fetcher: typeof fetch = fetch): Backend {
  return {
    async call(command, ...args) {
      let response: Response;
      try {
        response = await fetcher(`${base}api/${command}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(args.length ? args[0] : null),
        });
      } catch (e) {
        throw toBackendError(e);
      }
      const body = await response.json().catch(() => null);
      if (!response.ok) throw toBackendError(body?.error);
      return body;
    },
    onProgress(listener) {
      const source = new EventSource(`${base}api/events?token=${encodeURIComponent(token)}`);
      source.addEventListener('progress', (e) => listener(JSON.parse((e as MessageEvent).data) as Progress));
      return () => source.close();
    },
  };
}
