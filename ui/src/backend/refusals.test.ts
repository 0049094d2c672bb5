import { describe, expect, it, vi } from 'vitest';
import { BackendError, type Backend } from './index';
import { watchRefusals } from './refusals';

function refusing(code: string): Backend {
  return {
    call: () => Promise.reject(new BackendError({ code, message_key: `error.${code}`, params: {} })),
    onProgress: () => () => {},
  };
}

describe('refusals that change the whole window', () => {
  it('reach the window from any command, and the command still fails for its screen', async () => {
    const backend = watchRefusals(refusing('lease_expired'));
    const heard = vi.fn();
    const stop = backend.onRefusal(heard);
    await expect(backend.call('list_accounts', {})).rejects.toMatchObject({ error: { code: 'lease_expired' } });
    expect(heard).toHaveBeenCalledWith(expect.objectContaining({ code: 'lease_expired' }));
    stop();
    await expect(backend.call('list_accounts', {})).rejects.toBeInstanceOf(BackendError);
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('leave other refusals to the screen that met them', async () => {
    const backend = watchRefusals(refusing('busy'));
    const heard = vi.fn();
    backend.onRefusal(heard);
    await expect(backend.call('status')).rejects.toMatchObject({ error: { code: 'busy' } });
    expect(heard).not.toHaveBeenCalled();
  });
});
