import { describe, expect, it, vi } from 'vitest';
import { ADD_PATHS_CHANNEL, bridgeOperationNames, channelOf, PICK_FILES_CHANNEL, type BridgeResult } from '../../shared/api/bridge.ts';
import { registerIpc, type FileIntake } from '../../electron/main/ipc.ts';
import { APP_ORIGIN } from '../../electron/main/protocol.ts';
import { originCheck } from '../../electron/main/security.ts';
import { NotFoundException } from '../../electron/kms/errors.ts';
import type { Dispatch } from '../../electron/bridge/dispatch.ts';
import { FakeIpcMain } from './fakes.ts';

const isTrusted = originCheck(new Set([APP_ORIGIN]));
const status = { initialized: true, unlocked: true, accountId: '111122223333', region: 'local-1' } as const;

function setup(dispatch?: Dispatch) {
  const ipc = new FakeIpcMain();
  const called = vi.fn();
  const logged: string[] = [];
  const files: FileIntake = {
    addPaths: async (paths) => paths.map((p, i) => ({ fileId: `f-${String(i).padStart(16, '0')}`, name: p, size: 1, encrypted: false })),
    pickFiles: async () => [],
  };
  const all: Dispatch =
    dispatch ??
    (async (name, input): Promise<BridgeResult<unknown>> => {
      called(name, input);
      return { ok: true, value: status };
    });
  const channels = registerIpc(ipc, all, files, isTrusted, (message) => logged.push(message));
  return { ipc, called, logged, channels };
}

describe('IPC registration', () => {
  it('registers exactly one channel per bridge operation, plus the file intake', () => {
    const { ipc, channels } = setup();
    const expected = [...bridgeOperationNames.map(channelOf), ADD_PATHS_CHANNEL, PICK_FILES_CHANNEL];
    expect([...ipc.handlers.keys()]).toEqual(expected);
    expect(channels).toEqual(expected);
    expect(channels).toContain('strongroom:CreateKey');
    expect(channels).toContain('strongroom:QueryAudit');
  });

  it('passes the one request object to the dispatcher under the channel’s operation name', async () => {
    const { ipc, called } = setup();
    await expect(ipc.invoke(channelOf('Status'), 'app://strongroom/index.html')).resolves.toEqual({ ok: true, value: status });
    expect(called).toHaveBeenCalledWith('Status', undefined);
    await ipc.invoke(channelOf('CreateKey'), 'app://strongroom/index.html', { Description: 'x' });
    expect(called).toHaveBeenLastCalledWith('CreateKey', { Description: 'x' });
  });

  it('refuses a second argument without dispatching', async () => {
    const { ipc, called } = setup();
    const result = await ipc.invoke(channelOf('CreateKey'), 'app://strongroom/', {}, { dataDir: '/etc' });
    expect(result).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    expect(called).not.toHaveBeenCalled();
  });

  it.each([
    'https://evil.example/',
    'app://strongroom.evil/index.html',
    'app://evil/index.html',
    'file:///work/out/renderer/index.html',
    'http://localhost:5173/',
    'about:blank',
    'data:text/html,hi',
  ])('refuses a sender at %s without running anything', async (url) => {
    const { ipc, called, logged } = setup();
    for (const channel of [channelOf('Status'), channelOf('ScheduleKeyDeletion'), ADD_PATHS_CHANNEL]) {
      const result = await ipc.invoke(channel, url, ['/etc/passwd']);
      expect(result).toEqual({ ok: false, error: { name: 'AccessDeniedException', message: expect.stringContaining('refused') } });
    }
    expect(called).not.toHaveBeenCalled();
    expect(logged).toHaveLength(3);
  });

  it('refuses a destroyed or navigated-away frame (senderFrame null)', async () => {
    const { ipc, called } = setup();
    const result = await ipc.invoke(channelOf('Status'), null);
    expect(result).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
    expect(called).not.toHaveBeenCalled();
  });

  it('returns a KMS error as { ok: false, error: { name, message } }', async () => {
    const { ipc } = setup(async () => {
      throw new NotFoundException('Key arn:aws:kms:local-1:111122223333:key/x does not exist.');
    });
    await expect(ipc.invoke(channelOf('DescribeKey'), 'app://strongroom/', { KeyId: 'x' })).resolves.toEqual({
      ok: false,
      error: { name: 'NotFoundException', message: 'Key arn:aws:kms:local-1:111122223333:key/x does not exist.' },
    });
  });

  it('hides an unexpected fault behind KMSInternalException, and logs it', async () => {
    const { ipc, logged } = setup(async () => {
      throw new Error('SQLITE_CORRUPT at /home/user/.config/Strongroom/strongroom.db');
    });
    const result = await ipc.invoke(channelOf('Status'), 'app://strongroom/');
    expect(result).toMatchObject({ ok: false, error: { name: 'KMSInternalException' } });
    expect(JSON.stringify(result)).not.toContain('/home/user');
    expect(logged).toEqual(['Strongroom: Status failed']);
  });

  it.each([[[]], ['not a list'], [[42]], [['']], [Array.from({ length: 1001 }, () => '/x')]])('refuses dropped paths %j', async (paths) => {
    const { ipc } = setup();
    await expect(ipc.invoke(ADD_PATHS_CHANNEL, 'app://strongroom/', paths)).resolves.toMatchObject({ ok: false, error: { name: 'ValidationException' } });
  });
});
