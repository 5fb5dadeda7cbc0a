// Keyrings: where a message's data key comes from and how it is wrapped for each reader, in the
// layouts of the AWS Encryption SDK's keyrings (docs/file-format.md, "Encrypted data keys"), so
// the official SDK reads what we write and we read what it writes:
//   - KMS keys of this installation (provider id 'aws-kms', provider info = the key ARN): the data
//     key comes from GenerateDataKey and is opened with Decrypt, through the engine, authorized
//     and audited like any other call;
//   - RSA recipients (raw RSA keyring layout, OAEP-SHA-256): a colleague's public key from their
//     GetPublicKey; they open it with Decrypt on their own RSA key;
//   - raw AES wrapping keys (raw AES keyring layout), for keys held outside any KMS.

import { FILES_SERVICE } from '../managed-keys.ts';
import { constants, createCipheriv, type CipherGCMTypes, createDecipheriv, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { InvokeOptions, KmsClient } from './kms-client.ts';
import { KmsError, ValidationException } from '../errors.ts';
import { KMS_PROVIDER_ID, RSA_RECIPIENT_NAMESPACE, serializeContext, type EncryptedDataKey } from './format.ts';
import type { Suite } from './suites.ts';

// The provider ids are part of the message format (format.ts); they are named here too for callers.
export { KMS_PROVIDER_ID, RSA_RECIPIENT_NAMESPACE };

/**
 * Why a keyring could not open an EDK that was for it: words for the message, and the KMS error
 * when the refusal was one (an AccessDeniedException makes the whole decryption one, not a
 * damaged file).
 */
export type KeyringProblem = { readonly text: string; readonly error?: KmsError };

export type Keyring = {
  /** Describes the keyring in messages ("arn:aws:kms:…", "RSA recipient …"). */
  readonly label: string;
  /** Makes the data key and its EDK; only the first keyring of an encryption generates. */
  generate?(suite: Suite, context: Readonly<Record<string, string>>): Promise<{ readonly dataKey: Uint8Array; readonly edk: EncryptedDataKey }>;
  /** Wraps an existing data key for this keyring's reader. */
  wrap(dataKey: Uint8Array, suite: Suite, context: Readonly<Record<string, string>>): Promise<EncryptedDataKey>;
  /**
   * Opens the first EDK this keyring can, or returns null if none is for it. Failures of EDKs
   * that are for it (wrong context, access denied) go to `problems`.
   */
  unwrap(edks: ReadonlyArray<EncryptedDataKey>, suite: Suite, context: Readonly<Record<string, string>>, problems: Array<KeyringProblem>): Promise<Uint8Array | null>;
};

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

function describeError(err: unknown): string {
  return err instanceof KmsError ? `${err.name}: ${err.message}` : String(err);
}

/** One KMS key of this installation, for encrypting: GenerateDataKey as generator, Encrypt otherwise. */
export function kmsKeyring(kms: KmsClient, keyId: string, options: InvokeOptions = {}): Keyring {
  return {
    label: keyId,
    async generate(suite, context) {
      const out = await kms.invoke('GenerateDataKey', { KeyId: keyId, NumberOfBytes: suite.keyBytes, EncryptionContext: context }, options);
      return { dataKey: out.Plaintext, edk: { providerId: KMS_PROVIDER_ID, providerInfo: Buffer.from(out.KeyId, 'utf8'), ciphertext: out.CiphertextBlob } };
    },
    async wrap(dataKey, _suite, context) {
      const out = await kms.invoke('Encrypt', { KeyId: keyId, Plaintext: dataKey, EncryptionContext: context }, options);
      return { providerId: KMS_PROVIDER_ID, providerInfo: Buffer.from(out.KeyId, 'utf8'), ciphertext: out.CiphertextBlob };
    },
    unwrap() {
      return Promise.resolve(null);
    },
  };
}

/**
 * Every key of this installation, for decrypting: opens any 'aws-kms' EDK that names one of its
 * keys (Decrypt with the file's context), and any RSA-recipient EDK that names one of its RSA
 * keys (Decrypt with RSAES_OAEP_SHA_256). EDKs for other installations are skipped. `onOpened`
 * hears the ARN of the key that opened the data key.
 */
export function installationKeyring(kms: KmsClient, options: InvokeOptions = {}, onOpened?: (keyArn: string) => void): Keyring {
  const prefix = `arn:aws:kms:${kms.installation.region}:${kms.installation.accountId}:key/`;
  // A file under the managed default key is opened through the files service, as it was sealed.
  const filesKey = kms.managedKeyArn?.(FILES_SERVICE) ?? null;
  return {
    label: `the keys of installation account ${kms.installation.accountId}`,
    wrap() {
      return Promise.reject(new Error('the installation keyring only decrypts'));
    },
    async unwrap(edks, suite, context, problems) {
      for (const edk of edks) {
        const kmsEdk = edk.providerId === KMS_PROVIDER_ID;
        if (!kmsEdk && edk.providerId !== RSA_RECIPIENT_NAMESPACE) {
          continue;
        }
        const arn = utf8(edk.providerInfo);
        if (!arn.startsWith(prefix)) {
          continue;
        }
        try {
          const out = kmsEdk
            ? await kms.invoke('Decrypt', { KeyId: arn, CiphertextBlob: edk.ciphertext, EncryptionContext: context }, arn === filesKey ? { ...options, viaService: FILES_SERVICE } : options)
            : await kms.invoke('Decrypt', { KeyId: arn, CiphertextBlob: edk.ciphertext, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }, options);
          if (out.KeyId !== arn || out.Plaintext.length !== suite.keyBytes) {
            problems.push({ text: `${arn}: KMS returned another key, or a data key of the wrong length` });
            continue;
          }
          // Which key opened the file, for a surface that shows it (the window's decrypt result).
          onOpened?.(arn);
          return out.Plaintext;
        } catch (err) {
          problems.push({ text: `${arn}: ${describeError(err)}`, ...(err instanceof KmsError ? { error: err } : {}) });
        }
      }
      return null;
    },
  };
}

/**
 * A recipient's RSA public key (their GetPublicKey output): the data key encrypted with
 * RSAES-OAEP-SHA-256 in the raw RSA keyring layout, named by their key's ARN, so their
 * installation opens it with Decrypt on that key. The context is not bound to the RSA ciphertext
 * (as in the SDK), but it is bound to the message by the header tag.
 */
export function rsaRecipientKeyring(keyArn: string, publicKey: KeyObject): Keyring {
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new ValidationException(`The recipient key ${keyArn} is not an RSA public key; recipients need an RSA ENCRYPT_DECRYPT key's public key.`);
  }
  return {
    label: `RSA recipient ${keyArn}`,
    async wrap(dataKey) {
      const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
      return { providerId: RSA_RECIPIENT_NAMESPACE, providerInfo: Buffer.from(keyArn, 'utf8'), ciphertext };
    },
    unwrap() {
      return Promise.resolve(null);
    },
  };
}

/** The raw AES keyring's wrapping AAD: the serialized context without its length prefix. */
function rawAesAad(context: Readonly<Record<string, string>>, order: 'utf8' | 'locale'): Buffer {
  return serializeContext(context, order);
}

/** A raw AES-GCM wrapping key held outside any KMS, in the raw AES keyring layout (docs/file-format.md, "Encrypted data keys"). */
export function rawAesKeyring(namespace: string, name: string, givenKey: Uint8Array): Keyring {
  // A private copy: callers (and other libraries) may wipe the buffer they passed.
  const wrappingKey = Buffer.from(givenKey);
  if (namespace.startsWith(KMS_PROVIDER_ID)) {
    throw new ValidationException(`Key namespaces starting with '${KMS_PROVIDER_ID}' are reserved for KMS keyrings.`);
  }
  if (![16, 24, 32].includes(wrappingKey.length)) {
    throw new ValidationException('A raw AES wrapping key is 16, 24 or 32 bytes.');
  }
  const cipher: CipherGCMTypes = wrappingKey.length === 16 ? 'aes-128-gcm' : wrappingKey.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
  const nameBytes = Buffer.from(name, 'utf8');
  return {
    label: `raw AES key ${namespace}/${name}`,
    async generate(suite, context) {
      const dataKey = randomBytes(suite.keyBytes);
      return { dataKey, edk: await this.wrap(dataKey, suite, context) };
    },
    async wrap(dataKey, _suite, context) {
      const iv = randomBytes(12);
      const c = createCipheriv(cipher, wrappingKey, iv);
      c.setAAD(rawAesAad(context, 'utf8'));
      const ciphertext = Buffer.concat([c.update(dataKey), c.final(), c.getAuthTag()]);
      const info = Buffer.alloc(nameBytes.length + 20);
      nameBytes.copy(info);
      info.writeUInt32BE(128, nameBytes.length);
      info.writeUInt32BE(12, nameBytes.length + 4);
      iv.copy(info, nameBytes.length + 8);
      return { providerId: namespace, providerInfo: info, ciphertext };
    },
    async unwrap(edks, suite, context, problems) {
      for (const edk of edks) {
        const info = Buffer.from(edk.providerInfo);
        if (edk.providerId !== namespace || info.length !== nameBytes.length + 20 || !info.subarray(0, nameBytes.length).equals(nameBytes)) {
          continue;
        }
        if (info.readUInt32BE(nameBytes.length) !== 128 || info.readUInt32BE(nameBytes.length + 4) !== 12 || edk.ciphertext.length !== suite.keyBytes + 16) {
          continue;
        }
        const iv = info.subarray(nameBytes.length + 8);
        const body = edk.ciphertext.subarray(0, suite.keyBytes);
        const tag = edk.ciphertext.subarray(suite.keyBytes);
        // The spec's byte order first; then the JS keyring's default (localeCompare) order.
        for (const order of ['utf8', 'locale'] as const) {
          try {
            const d = createDecipheriv(cipher, wrappingKey, iv);
            d.setAAD(rawAesAad(context, order));
            d.setAuthTag(tag);
            return Buffer.concat([d.update(body), d.final()]);
          } catch {
            // try the other order, then the next EDK
          }
        }
        problems.push({ text: `${namespace}/${name}: the wrapped data key does not authenticate under this wrapping key and context` });
      }
      return null;
    },
  };
}
