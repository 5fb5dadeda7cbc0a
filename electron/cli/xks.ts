// `strongroom xks …`: logical external key stores for AWS KMS's XKS proxy API (issue 24).
// setup prints what CreateCustomKeyStore needs (the secret once); add-key is the explicit opt-in
// that exposes one key; rotate-credentials adds a second credential, retire-credential removes
// the old one once AWS KMS uses the new. `strongroom serve` answers the XKS calls.

import { existsSync, writeFileSync } from 'node:fs';
import { xksProxyConfiguration } from '../../shared/api/xks.ts';
import type { Kms } from '../kms/engine.ts';
import { ValidationException } from '../kms/errors.ts';
import { rejectLeftovers, requireFlag, takeOne } from './args.ts';
import { hintingSync } from './hints.ts';
import { UsageError } from './usage-error.ts';

type Flags = Map<string, ReadonlyArray<string>>;

export type XksCliHost = {
  readonly print: (value: unknown) => void;
  readonly warn: (text: string) => void;
  readonly open: () => Promise<Kms>;
};

export const XKS_SUBCOMMANDS = ['setup', 'list', 'add-key', 'remove-key', 'rotate-credentials', 'retire-credential', 'delete'] as const;
type XksSubcommand = (typeof XKS_SUBCOMMANDS)[number];

const SECRET_NOTE = 'The secret access key is shown only now; Strongroom keeps it encrypted and cannot show it again. Give it to AWS KMS (CreateCustomKeyStore or UpdateCustomKeyStore, XksProxyAuthenticationCredential).\n';
const HINTS = { uriPrefix: '`strongroom xks list` lists the stores and their URI prefixes', accessKeyId: '`strongroom xks list` lists them' };

function refuseExisting(path: string | undefined): void {
  if (path !== undefined && existsSync(path)) {
    throw new ValidationException(`'${path}' already exists: choose another --config-out (it will hold a secret; Strongroom does not overwrite files).`);
  }
}

/** The AWS KMS console's configuration file (it holds the secret): owner-only, never over an existing file. */
function writeConfiguration(path: string | undefined, uriPath: string, accessKeyId: string, secret: string): void {
  if (path !== undefined) {
    writeFileSync(path, `${JSON.stringify(xksProxyConfiguration(uriPath, accessKeyId, secret), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
}

export class XksCli {
  readonly #host: XksCliHost;

  constructor(host: XksCliHost) {
    this.#host = host;
  }

  async run(sub: string | undefined, flags: Flags): Promise<number> {
    if (sub === undefined || !(XKS_SUBCOMMANDS as ReadonlyArray<string>).includes(sub)) {
      throw new UsageError(`xks takes one of: ${XKS_SUBCOMMANDS.join(', ')}${sub === undefined ? '' : ` (not '${sub}')`}`, 'xks');
    }
    const command = `xks ${sub}`;
    const uriPrefix = takeOne(flags, 'uri-prefix', command);
    const keyId = sub === 'add-key' || sub === 'remove-key' ? requireFlag(takeOne(flags, 'key-id', command), 'key-id', command) : undefined;
    const accessKeyId = sub === 'retire-credential' ? requireFlag(takeOne(flags, 'access-key-id', command), 'access-key-id', command) : undefined;
    const configOut = sub === 'setup' || sub === 'rotate-credentials' ? takeOne(flags, 'config-out', command) : undefined;
    const principals = sub === 'add-key' ? flags.get('aws-principal') : undefined;
    flags.delete('aws-principal');
    if (principals !== undefined && principals.length === 0) {
      throw new UsageError('argument --aws-principal: expected one or more AWS principal ARNs', command);
    }
    rejectLeftovers(flags, command);
    if ((sub === 'setup' || sub === 'delete') && uriPrefix === undefined) {
      throw new UsageError('the following arguments are required: --uri-prefix', command);
    }
    const kms = await this.#host.open();
    try {
      hintingSync(HINTS, () => this.#act(kms, sub as XksSubcommand, { uriPrefix, keyId, accessKeyId, principals, configOut }));
      return 0;
    } finally {
      kms.close();
    }
  }

  #act(kms: Kms, sub: XksSubcommand, a: { uriPrefix: string | undefined; keyId: string | undefined; accessKeyId: string | undefined; principals: ReadonlyArray<string> | undefined; configOut: string | undefined }): void {
    switch (sub) {
      case 'setup': {
        // Checked first: a store whose only copy of the secret went nowhere would have to be rotated.
        refuseExisting(a.configOut);
        const created = kms.createXksKeyStore(a.uriPrefix ?? '');
        writeConfiguration(a.configOut, created.XksProxyUriPath, created.AccessKeyId, created.SecretAccessKey);
        this.#host.print({ UriPrefix: created.UriPrefix, XksProxyUriPath: created.XksProxyUriPath, AccessKeyId: created.AccessKeyId, SecretAccessKey: created.SecretAccessKey, KeyStoreId: created.KeyStoreId });
        this.#host.warn(SECRET_NOTE);
        return;
      }
      case 'list':
        this.#host.print({ XksKeyStores: kms.listXksKeyStores() });
        return;
      case 'add-key':
        this.#host.print(kms.addXksKey(a.keyId ?? '', a.uriPrefix, a.principals));
        return;
      case 'remove-key':
        this.#host.print(kms.removeXksKey(a.keyId ?? '', a.uriPrefix));
        return;
      case 'rotate-credentials': {
        refuseExisting(a.configOut);
        const rotated = kms.rotateXksCredentials(a.uriPrefix);
        const path = kms.listXksKeyStores().find((s) => s.KeyStoreId === rotated.KeyStoreId)?.XksProxyUriPath ?? '';
        writeConfiguration(a.configOut, path, rotated.AccessKeyId, rotated.SecretAccessKey);
        this.#host.print(rotated);
        this.#host.warn(`${SECRET_NOTE}Both credentials are active; retire the old one (strongroom xks retire-credential) once AWS KMS uses the new one.\n`);
        return;
      }
      case 'retire-credential':
        this.#host.print(kms.retireXksCredential(a.accessKeyId ?? ''));
        return;
      case 'delete':
        this.#host.print(kms.deleteXksKeyStore(a.uriPrefix ?? ''));
        return;
    }
  }
}
