// The installation status card (Settings, and the screens while the installation is not ready),
// rendered to HTML in Node (no DOM needed).

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { StatusCard, statusWord } from '../../renderer/src/components/StatusCard.tsx';
import type { BridgeResult, InstallationStatus } from '../../shared/api/bridge.ts';

const render = (result: BridgeResult<InstallationStatus> | null): string =>
  renderToStaticMarkup(
    createElement(StatusCard, { loaded: result === null ? { state: 'loading' } : { state: 'done', result }, onRefresh: () => {} }),
  );

describe('status card', () => {
  it('offers to set up an installation here (keychain or passphrase) when there is none, and the CLI line that does the same', () => {
    const html = render({ ok: true, value: { initialized: false, unlocked: false, problem: { code: 'NotInitialized', message: 'x' } } });
    expect(html).toContain('Not set up');
    expect(html).toContain('aria-label="Set up Strongroom"');
    expect(html).toContain('value="keychain"');
    expect(html).toContain('value="passphrase"');
    expect(html).toContain('<code>strongroom init --data-dir &lt;folder&gt;</code>');
  });

  it('shows why the installation cannot be read when the engine itself is unavailable', () => {
    const html = render({
      ok: true,
      value: { initialized: false, unlocked: false, problem: { code: 'EngineUnavailable', message: 'The storage engine could not be loaded.' } },
    });
    expect(html).toContain('The storage engine could not be loaded.');
    expect(html).not.toContain('strongroom init');
  });

  it('shows where the root key lives, whether it unlocks, account and region', () => {
    const html = render({
      ok: true,
      value: {
        initialized: true,
        installationId: '5f0c6d1e-0000-4000-8000-000000000000',
        accountId: '111122223333',
        region: 'local-1',
        rootKeyProvider: 'keychain',
        rootKeyLocation: 'the macOS Keychain, service "Strongroom"',
        unlocked: true,
      },
    });
    expect(html).toContain('Unlocked');
    expect(html).toContain('OS keychain');
    expect(html).toContain('the macOS Keychain, service &quot;Strongroom&quot;');
    expect(html).toContain('111122223333');
    expect(html).toContain('local-1');
  });

  it('shows a locked installation with its problem', () => {
    const html = render({
      ok: true,
      value: { initialized: true, rootKeyProvider: 'keychain', unlocked: false, problem: { code: 'RootKeyUnavailable', message: 'The keychain is locked.' } },
    });
    expect(html).toContain('Locked');
    expect(html).toContain('OS keychain');
    expect(html).toContain('The keychain is locked.');
  });

  it('shows a bridge error in plain words with its name and message, and a loading state', () => {
    const html = render({ ok: false, error: { name: 'AccessDeniedException', message: 'refused' } });
    expect(html).toContain('<strong>Access denied</strong>: refused');
    expect(html).toContain('AccessDeniedException');
    expect(html).toContain('role="alert"');
    expect(render(null)).toContain('Checking this installation');
  });

  it('offers to unlock a passphrase installation here, instead of the engine\'s "no passphrase was supplied"', () => {
    const html = render({
      ok: true,
      value: { initialized: true, rootKeyProvider: 'passphrase', unlocked: false, problem: { code: 'RootKeyUnavailable', message: 'No passphrase was supplied.' } },
    });
    expect(html).toContain('aria-label="Unlock Strongroom"');
    expect(html).toContain('type="password"');
    expect(html).not.toContain('No passphrase was supplied.');
    // A wrong passphrase typed before is still said.
    expect(render({ ok: true, value: { initialized: true, rootKeyProvider: 'passphrase', unlocked: false, problem: { code: 'WrongPassphrase', message: 'Wrong passphrase.' } } })).toContain('Wrong passphrase.');
  });

  it('names the state for the header badge', () => {
    expect(statusWord({ state: 'loading' }).text).toBe('Checking…');
    expect(statusWord({ state: 'done', result: { ok: true, value: { initialized: true, unlocked: true } } })).toEqual({ text: 'Unlocked', tone: 'ok' });
    expect(statusWord({ state: 'done', result: { ok: true, value: { initialized: true, unlocked: false } } }).text).toBe('Locked');
    expect(statusWord({ state: 'done', result: { ok: true, value: { initialized: false, unlocked: false, problem: { code: 'NotInitialized', message: '' } } } }).text).toBe('Not set up');
    expect(statusWord({ state: 'done', result: { ok: false, error: { name: 'KMSInternalException', message: 'x' } } }).text).toBe('Unavailable');
  });
});
