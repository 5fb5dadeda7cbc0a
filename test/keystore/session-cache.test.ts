// A process's token sessions follow the store's connection settings (issue 22, finding 13): when
// another process disconnects a store, points it at another module, token or PIN and connects it
// again, this process's next use must log in with the new settings, not go on through the old
// token. A recording token provider stands in for PKCS#11 here; the SoftHSM2 suite covers the real one.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CustomKeyStoreRow, CustomKeyStores, wrapPin } from '../../electron/kms/keystore/stores.ts';
import type { TokenProvider, TokenSession } from '../../electron/kms/keystore/pkcs11.ts';

function recordingTokens(): { provider: TokenProvider; opened: Array<string>; closed: Array<string> } {
  const opened: Array<string> = [];
  const closed: Array<string> = [];
  const provider: TokenProvider = {
    open(modulePath, tokenLabel, pin) {
      const name = `${modulePath}|${tokenLabel}|${pin}`;
      opened.push(name);
      const refuse = (): never => {
        throw new Error('not used here');
      };
      const session: TokenSession = {
        generateAesKey: refuse,
        hasKey: () => true,
        gcmEncrypt: refuse,
        gcmDecrypt: refuse,
        random: (n) => new Uint8Array(n),
        close: () => {
          closed.push(name);
        },
      } as TokenSession;
      return session;
    },
  };
  return { provider, opened, closed };
}

describe('a store’s session in this process', () => {
  const rootKey = randomBytes(32);
  const storeId = 'cks-0123456789abcdef0';
  const row = (tokenLabel: string, pin: string, modulePath = '/usr/lib/softhsm/libsofthsm2.so'): CustomKeyStoreRow => ({
    storeId,
    name: 'store',
    storeType: 'PKCS11',
    modulePath,
    tokenLabel,
    wrappedPin: wrapPin(rootKey, storeId, pin),
    connectionState: 'CONNECTED',
    errorCode: null,
    createdAt: 0,
  });

  it('is reused while the settings stay, and replaced (the old one closed, cached material dropped) when they change', () => {
    const tokens = recordingTokens();
    let drops = 0;
    const stores = new CustomKeyStores(new Database(':memory:'), tokens.provider, () => drops++);
    const tok1 = row('tok1', 'pin-1');
    const first = stores.session(tok1, rootKey);
    expect(stores.session(tok1, rootKey)).toBe(first);
    expect(tokens.opened).toEqual(['/usr/lib/softhsm/libsofthsm2.so|tok1|pin-1']);

    // Another process: disconnect, update-custom-key-store --x-strongroom-pkcs11-token-label tok2, connect.
    const second = stores.session(row('tok2', 'pin-1'), rootKey);
    expect(second).not.toBe(first);
    expect(tokens.opened.at(-1)).toBe('/usr/lib/softhsm/libsofthsm2.so|tok2|pin-1');
    expect(tokens.closed).toEqual(['/usr/lib/softhsm/libsofthsm2.so|tok1|pin-1']);
    expect(drops).toBe(1);

    // A new PIN and a new module count too.
    stores.session(row('tok2', 'pin-2'), rootKey);
    stores.session(row('tok2', 'pin-2', '/opt/other/libpkcs11.so'), rootKey);
    expect(tokens.opened.slice(2)).toEqual(['/usr/lib/softhsm/libsofthsm2.so|tok2|pin-2', '/opt/other/libpkcs11.so|tok2|pin-2']);
    expect(tokens.closed).toHaveLength(3);
  });
});
