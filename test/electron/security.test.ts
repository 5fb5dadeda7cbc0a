import { describe, expect, it } from 'vitest';
import { APP_ORIGIN } from '../../electron/main/protocol.ts';
import { devServerUrl, hardenSession, hardenWebContents, originCheck, originOf, trustedOrigins } from '../../electron/main/security.ts';
import { FakeSession, FakeWebContents, navigationEvent } from './fakes.ts';

const quiet = (): void => {};

describe('origins', () => {
  it('computes scheme://host for app: URLs (Node says "null" for unknown schemes)', () => {
    expect(new URL('app://strongroom/index.html').origin).toBe('null');
    expect(originOf('app://strongroom/index.html')).toBe('app://strongroom');
    expect(originOf('http://localhost:5173/')).toBe('http://localhost:5173');
    expect(originOf('not a url')).toBeNull();
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('about:blank')).toBeNull();
    expect(originOf('app://strongroom@evil.example/')).toBeNull();
  });

  it('trusts only the exact app origin, compared after parsing', () => {
    const trusted = originCheck(trustedOrigins({ isPackaged: true, devServerUrl: undefined }));
    expect(trusted('app://strongroom/index.html')).toBe(true);
    expect(trusted('app://strongroom/deep/page#x')).toBe(true);
    for (const url of [
      'app://strongroom.evil/index.html',
      'app://evil/strongroom',
      'app://strongroom:8080/',
      'https://strongroom/',
      'https://example.com/app://strongroom/',
      'file:///work/out/renderer/index.html',
      'about:blank',
      'data:text/html,<p>hi',
      '',
    ]) {
      expect(trusted(url), url).toBe(false);
    }
  });

  it('trusts the dev server only unpackaged, and only on loopback http', () => {
    expect(devServerUrl({ isPackaged: false, devServerUrl: 'http://localhost:5173/' })).toBe('http://localhost:5173/');
    expect(devServerUrl({ isPackaged: true, devServerUrl: 'http://localhost:5173/' })).toBeNull();
    expect(devServerUrl({ isPackaged: false, devServerUrl: 'https://evil.example/' })).toBeNull();
    expect(devServerUrl({ isPackaged: false, devServerUrl: 'http://192.168.1.5:5173/' })).toBeNull();
    expect(devServerUrl({ isPackaged: false, devServerUrl: 'http://localhost.evil.example:5173/' })).toBeNull();
    expect(devServerUrl({ isPackaged: false, devServerUrl: undefined })).toBeNull();
    expect([...trustedOrigins({ isPackaged: true, devServerUrl: 'http://localhost:5173/' })]).toEqual([APP_ORIGIN]);
    expect([...trustedOrigins({ isPackaged: false, devServerUrl: 'http://localhost:5173/' })]).toEqual([APP_ORIGIN, 'http://localhost:5173']);
  });
});

describe('web contents guards', () => {
  const setup = () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents.asWebContents(), originCheck(new Set([APP_ORIGIN])), quiet);
    return contents;
  };

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s to another origin is prevented', (event) => {
    const contents = setup();
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://strongroom.evil/', 'javascript:alert(1)']) {
      const e = navigationEvent(url);
      contents.emit(event, e);
      expect(e.prevented, url).toBe(true);
    }
  });

  it('navigation within the app origin is left alone', () => {
    const contents = setup();
    const e = navigationEvent('app://strongroom/index.html');
    contents.emit('will-navigate', e);
    expect(e.prevented).toBe(false);
  });

  it('denies every new window, whatever its URL', () => {
    const contents = setup();
    expect(contents.windowOpenHandler).not.toBeNull();
    for (const url of ['https://aws.amazon.com/kms/', 'app://strongroom/index.html', 'file:///etc/passwd']) {
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    }
  });

  it('prevents every <webview> attach', () => {
    const contents = setup();
    let prevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (prevented = true) }, {}, {});
    expect(prevented).toBe(true);
  });
});

describe('session permissions', () => {
  it('denies every permission request, check and device request', () => {
    const session = new FakeSession();
    hardenSession(session.asSession());
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'hid', 'unknown']) {
      const answers: boolean[] = [];
      session.requestHandler?.({}, permission, (granted) => answers.push(granted), {});
      expect(answers, permission).toEqual([false]);
      expect(session.checkHandler?.({}, permission, APP_ORIGIN, {}), permission).toBe(false);
    }
    expect(session.deviceHandler?.({ deviceType: 'usb', origin: APP_ORIGIN })).toBe(false);
  });
});
