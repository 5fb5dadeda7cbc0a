import { describe, expect, it, vi } from 'vitest';
import { ADD_PATHS_CHANNEL, bridgeMemberNames, channelOf, FILE_PROGRESS_CHANNEL, PICK_FILES_CHANNEL } from '../../shared/api/bridge.ts';

const fake = vi.hoisted(() => ({
  exposed: [] as Array<{ key: string; api: Record<string, unknown> }>,
  invoked: [] as unknown[][],
  listeners: new Map<string, (event: unknown, payload: unknown) => void>(),
  paths: new Map<unknown, string>(),
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
    on(channel: string, listener: (event: unknown, payload: unknown) => void) {
      fake.listeners.set(channel, listener);
    },
    removeListener(channel: string) {
      fake.listeners.delete(channel);
    },
  },
  webUtils: {
    getPathForFile(file: unknown) {
      return fake.paths.get(file) ?? '';
    },
  },
}));

type Api = Record<string, (...args: unknown[]) => unknown>;
const api = (): Api => fake.exposed[0]?.api as Api;

describe('preload', () => {
  it('exposes window.strongroom with exactly the bridge members, nothing of Electron', async () => {
    await import('../../electron/preload/index.ts');
    expect(fake.exposed).toHaveLength(1);
    expect(fake.exposed[0]?.key).toBe('strongroom');
    expect(Object.keys(api()).sort()).toEqual([...bridgeMemberNames()].sort());
    for (const value of Object.values(api())) {
      expect(typeof value).toBe('function');
    }
    expect(Object.keys(api())).not.toContain('invoke');
    expect(Object.keys(api())).not.toContain('ipcRenderer');
  });

  it('each method invokes its fixed channel with one request object, whatever the page passes', async () => {
    fake.invoked.length = 0;
    await api().status?.('strongroom:other', { dataDir: '/etc' });
    await api().createKey?.({ Description: 'x' }, 'extra');
    await api().listKeys?.();
    expect(fake.invoked).toEqual([
      [channelOf('Status'), 'strongroom:other'],
      [channelOf('CreateKey'), { Description: 'x' }],
      [channelOf('ListKeys'), {}],
    ]);
  });

  it('addFiles sends paths only for files backed by a real file; a page-made File is refused', async () => {
    fake.invoked.length = 0;
    const dropped = { name: 'a.txt' };
    fake.paths.set(dropped, '/home/u/a.txt');
    await api().addFiles?.([dropped]);
    expect(fake.invoked).toEqual([[ADD_PATHS_CHANNEL, ['/home/u/a.txt']]]);
    const forged = { name: 'passwd' };
    await expect(api().addFiles?.([forged])).resolves.toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    expect(fake.invoked).toHaveLength(1);
    await api().pickFiles?.();
    expect(fake.invoked[1]).toEqual([PICK_FILES_CHANNEL]);
  });

  it('onFileProgress passes the payload only, never the event, and unsubscribes', () => {
    const seen: unknown[] = [];
    const off = api().onFileProgress?.((p: unknown) => seen.push(p)) as () => void;
    fake.listeners.get(FILE_PROGRESS_CHANNEL)?.({ sender: 'event object' }, { jobId: 'j-1', state: 'done' });
    expect(seen).toEqual([{ jobId: 'j-1', state: 'done' }]);
    off();
    expect(fake.listeners.has(FILE_PROGRESS_CHANNEL)).toBe(false);
  });
});
