import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../shared/api/bridge.ts';

const fake = vi.hoisted(() => ({
  exposed: [] as Array<{ key: string; api: Record<string, unknown> }>,
  invoked: [] as unknown[][],
}));

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld(key: string, api: Record<string, unknown>) {
      fake.exposed.push({ key, api });
    },
  },
  ipcRenderer: {
    invoke(...args: unknown[]) {
      fake.invoked.push(args);
      return Promise.resolve({ ok: true, value: { initialized: false, unlocked: false } });
    },
  },
}));

describe('preload', () => {
  it('exposes window.strongroom with exactly the bridge methods, nothing of Electron', async () => {
    await import('../../electron/preload/index.ts');
    expect(fake.exposed).toHaveLength(1);
    const [{ key, api } = { key: '', api: {} }] = fake.exposed;
    expect(key).toBe('strongroom');
    expect(Object.keys(api)).toEqual(Object.keys(CHANNELS));
    for (const value of Object.values(api)) {
      expect(typeof value).toBe('function');
    }
  });

  it('status() invokes its fixed channel with no arguments, whatever the page passes', async () => {
    const api = fake.exposed[0]?.api as { status: (...args: unknown[]) => Promise<unknown> };
    await expect(api.status('strongroom:other', { dataDir: '/etc' })).resolves.toEqual({ ok: true, value: { initialized: false, unlocked: false } });
    expect(fake.invoked).toEqual([[CHANNELS.status]]);
  });
});
