import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../shared/api/bridge.ts';
import { bridgeHandlers } from '../../electron/main/app.ts';
import type { EngineHost } from '../../electron/main/engine-host.ts';
import { registerIpc, type BridgeHandlers } from '../../electron/main/ipc.ts';
import { APP_ORIGIN } from '../../electron/main/protocol.ts';
import { originCheck } from '../../electron/main/security.ts';
import { NotFoundException } from '../../electron/kms/errors.ts';
import { FakeIpcMain } from './fakes.ts';

const isTrusted = originCheck(new Set([APP_ORIGIN]));
const status = { initialized: true, unlocked: true, accountId: '111122223333', region: 'local-1' } as const;

function setup(handlers?: Partial<BridgeHandlers>) {
  const ipc = new FakeIpcMain();
  const called = vi.fn();
  const logged: string[] = [];
  const all: BridgeHandlers = {
    status: async (args) => {
      called(args);
      return status;
    },
    ...handlers,
  };
  const channels = registerIpc(ipc, all, isTrusted, (message) => logged.push(message));
  return { ipc, called, logged, channels };
}

describe('IPC registration', () => {
  it('registers exactly the bridge channels', () => {
    const { ipc, channels } = setup();
    expect([...ipc.handlers.keys()]).toEqual(Object.values(CHANNELS));
    expect(channels).toEqual(Object.values(CHANNELS));
  });

  it('answers the app origin with { ok: true, value }', async () => {
    const { ipc, called } = setup();
    await expect(ipc.invoke(CHANNELS.status, 'app://strongroom/index.html')).resolves.toEqual({ ok: true, value: status });
    expect(called).toHaveBeenCalledWith([]);
  });

  it.each([
    'https://evil.example/',
    'app://strongroom.evil/index.html',
    'app://evil/index.html',
    'file:///work/out/renderer/index.html',
    'http://localhost:5173/',
    'about:blank',
    'data:text/html,hi',
  ])('refuses a sender at %s without running the handler', async (url) => {
    const { ipc, called, logged } = setup();
    const result = await ipc.invoke(CHANNELS.status, url);
    expect(result).toEqual({ ok: false, error: { name: 'AccessDeniedException', message: expect.stringContaining('refused') } });
    expect(called).not.toHaveBeenCalled();
    expect(logged).toHaveLength(1);
  });

  it('refuses a destroyed or navigated-away frame (senderFrame null)', async () => {
    const { ipc, called } = setup();
    const result = await ipc.invoke(CHANNELS.status, null);
    expect(result).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
    expect(called).not.toHaveBeenCalled();
  });

  it('returns a KMS error as { ok: false, error: { name, message } }', async () => {
    const { ipc } = setup({
      status: async () => {
        throw new NotFoundException('Key arn:aws:kms:local-1:111122223333:key/x does not exist.');
      },
    });
    await expect(ipc.invoke(CHANNELS.status, 'app://strongroom/')).resolves.toEqual({
      ok: false,
      error: { name: 'NotFoundException', message: 'Key arn:aws:kms:local-1:111122223333:key/x does not exist.' },
    });
  });

  it('hides an unexpected fault behind KMSInternalException, and logs it', async () => {
    const { ipc, logged } = setup({
      status: async () => {
        throw new Error('SQLITE_CORRUPT at /home/user/.config/Strongroom/strongroom.db');
      },
    });
    const result = await ipc.invoke(CHANNELS.status, 'app://strongroom/');
    expect(result).toMatchObject({ ok: false, error: { name: 'KMSInternalException' } });
    expect(JSON.stringify(result)).not.toContain('/home/user');
    expect(logged).toEqual(['Strongroom: status failed']);
  });
});

describe('status handler', () => {
  const host: EngineHost = { status: async () => status, engine: () => null, close: () => {} };

  it('takes no arguments', async () => {
    const ipc = new FakeIpcMain();
    registerIpc(ipc, bridgeHandlers(host), isTrusted, () => {});
    await expect(ipc.invoke(CHANNELS.status, 'app://strongroom/')).resolves.toEqual({ ok: true, value: status });
    await expect(ipc.invoke(CHANNELS.status, 'app://strongroom/', { dataDir: '/etc' })).resolves.toEqual({
      ok: false,
      error: { name: 'ValidationException', message: 'status takes no arguments.' },
    });
  });
});
