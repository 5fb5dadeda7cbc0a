import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP_HEADER, CSP_META, CSP_META_DEV } from '../../electron/bridge/csp.ts';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler, resolveAppPath } from '../../electron/main/protocol.ts';

let base: string;
let root: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(() => {
  // base/secret.txt sits beside the served root: nothing may reach it.
  base = mkdtempSync(join(tmpdir(), 'strongroom-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Strongroom</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(base, 'secret.txt'), 'root key');
  mkdirSync(join(base, 'renderer-evil'));
  writeFileSync(join(base, 'renderer-evil', 'x.js'), 'evil');
  handler = createAppProtocolHandler({ root });
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('app:// protocol handler', () => {
  it('serves index.html for / and by name, with the CSP header', async () => {
    for (const url of ['app://strongroom/', 'app://strongroom/index.html', 'app://strongroom']) {
      const response = await handler(new Request(url));
      expect(response.status, url).toBe(200);
      expect(await response.text()).toContain('<title>Strongroom</title>');
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CSP_HEADER);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves assets with their MIME types (module scripts need text/javascript)', async () => {
    const js = await handler(new Request('app://strongroom/assets/index-abc.js'));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(CSP_HEADER);
    const css = await handler(new Request('app://strongroom/assets/index-abc.css'));
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it.each([
    'app://strongroom/../secret.txt',
    'app://strongroom/%2e%2e/secret.txt',
    'app://strongroom/..%2fsecret.txt',
    'app://strongroom/assets/..%2f..%2fsecret.txt',
    'app://strongroom/%2e%2e%2fsecret.txt',
    'app://strongroom/..%5csecret.txt',
    'app://strongroom/assets%5c..%5c..%5csecret.txt',
    'app://strongroom/%2Fetc%2Fpasswd',
    'app://strongroom/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    'app://strongroom/../renderer-evil/x.js',
    'app://strongroom/..%2frenderer-evil%2fx.js',
  ])('never serves a file outside the root: %s', async (url) => {
    const response = await handler(new Request(url));
    expect(response.status).not.toBe(200);
    const text = await response.text();
    expect(text).not.toContain('root key');
    expect(text).not.toContain('evil');
    expect(text).not.toContain('root:');
    expect(response.headers.get('content-security-policy')).toBe(CSP_HEADER);
  });

  it('refuses encoded traversal, backslashes, NUL and bad escapes with 403', async () => {
    for (const url of [
      'app://strongroom/..%2fsecret.txt',
      'app://strongroom/..%5csecret.txt',
      'app://strongroom/index.html%00.js',
      'app://strongroom/%E0%A4%A',
    ]) {
      expect((await handler(new Request(url))).status, url).toBe(403);
    }
  });

  it('refuses other hosts and schemes', async () => {
    expect((await handler(new Request('app://other/index.html'))).status).toBe(403);
    expect((await handler(new Request('app://strongroom.evil/index.html'))).status).toBe(403);
    expect(resolveAppPath(root, 'app://x@strongroom/index.html')).toBeNull();
    expect(resolveAppPath(root, 'https://strongroom/index.html')).toBeNull();
    expect(resolveAppPath(root, 'file:///etc/passwd')).toBeNull();
  });

  it('answers 404 for missing files and directories, 405 for writes', async () => {
    expect((await handler(new Request('app://strongroom/missing.js'))).status).toBe(404);
    expect((await handler(new Request('app://strongroom/assets/'))).status).toBe(404);
    expect((await handler(new Request('app://strongroom/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('registers the scheme as standard and secure, never bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('corsEnabled');
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('allowServiceWorkers');
  });
});

describe('content security policy', () => {
  const directives = (policy: string) => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

  it('allows only the app origin in production, with no inline or eval', () => {
    for (const policy of [CSP_HEADER, CSP_META]) {
      const d = directives(policy);
      expect(d.get('default-src')).toEqual(["'none'"]);
      expect(d.get('script-src')).toEqual(["'self'"]);
      expect(d.get('style-src')).toEqual(["'self'"]);
      expect(d.get('connect-src')).toEqual(["'none'"]);
      expect(d.get('object-src')).toEqual(["'none'"]);
      expect(d.get('base-uri')).toEqual(["'none'"]);
      expect(policy).not.toMatch(/unsafe-|\*|https?:|data:.*script/);
    }
    expect(directives(CSP_HEADER).get('frame-ancestors')).toEqual(["'none'"]);
    // frame-ancestors is ignored (with a console warning) in a <meta> policy.
    expect(CSP_META).not.toContain('frame-ancestors');
  });

  it('keeps the looser dev-server policy separate', () => {
    expect(CSP_META_DEV).toContain("'unsafe-inline'");
    expect(CSP_HEADER).not.toContain('unsafe-inline');
    expect(directives(CSP_META_DEV).get('default-src')).toEqual(["'none'"]);
  });
});
