// The packaging config keeps the fuses docs/security.md lists (Packaging), and packs what the app
// loads. The Electron binary cannot be downloaded here, so the packed artefact's fuses are read
// back on the machines that build packages (`npx @electron/fuses read --app …`); this guards the
// config.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const config = readFileSync(new URL('../../build/electron-builder.yml', import.meta.url), 'utf8');
const setting = (name: string): string | undefined => new RegExp(`^\\s+${name}:\\s*(\\S+)\\s*$`, 'm').exec(config)?.[1];

describe('packaging config', () => {
  it.each([
    ['runAsNode', 'false'],
    ['enableNodeOptionsEnvironmentVariable', 'false'],
    ['enableNodeCliInspectArguments', 'false'],
    ['enableCookieEncryption', 'true'],
    ['onlyLoadAppFromAsar', 'true'],
    ['enableEmbeddedAsarIntegrityValidation', 'true'],
    ['grantFileProtocolExtraPrivileges', 'false'],
  ])('fuse %s is %s', (fuse, value) => {
    expect(setting(fuse)).toBe(value);
  });

  it('packs the built app in an asar, native modules unpacked, for Linux, macOS and Windows', () => {
    expect(config).toMatch(/^asar: true$/m);
    expect(config).toMatch(/^ {2}- out\/\*\*$/m);
    expect(config).toMatch(/node_modules\/better-sqlite3\/\*\*/);
    expect(config).toMatch(/node_modules\/keytar\/\*\*/);
    expect(config).toMatch(/node_modules\/pkcs11js\/\*\*/);
    for (const target of ['AppImage', 'deb', 'dmg', 'nsis']) {
      expect(config).toMatch(new RegExp(`^\\s+- ${target}$`, 'm'));
    }
  });
});
