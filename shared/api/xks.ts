// The External Key Store (XKS) proxy actions: AWS KMS's external key store calls Strongroom
// through AWS's "External Key Store (XKS) Proxy API Specification" (GetKeyMetadata, Encrypt,
// Decrypt, GetHealthStatus), and the installation's owner administers the logical key stores
// those calls arrive for (a URI prefix, its SigV4 credentials, the keys it exposes).
//
// The XKS HTTP surface (electron/server/xks-endpoint.ts) maps the specification's camelCase JSON
// onto these PascalCase inputs, so every XKS call is validated and audited by the same pipeline as
// every other action; requestMetadata lands in the audit record as requestParameters.requestMetadata.

import { blob, list, str, struct } from './schema.ts';

/** The specification's externalKeyId alphabet and length. Strongroom exposes a key under its key id. */
export const XKS_EXTERNAL_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Where a logical key store's URIs start: '' or '/'-led segments of the XksProxyUriPath alphabet. */
export const XKS_URI_PREFIX = /^(\/[A-Za-z0-9_-]+)*$/;
/** The specification's suffix of every XksProxyUriPath (version 1). */
export const XKS_PATH_SUFFIX = '/kms/xks/v1';
/** XksProxyUriPath (prefix + suffix) is at most 128 characters. */
export const XKS_MAX_URI_PATH = 128;

/** ARNs of up to 2048 characters (the specification's requirement); other members are opaque strings. */
const arn = str({ max: 2048 });
const opaque = str({ max: 2048 });

/** requestMetadata: accepted whatever kmsOperation says (the specification forbids refusing new ones), kept in the audit record. */
const requestMetadata = struct({
  AwsPrincipalArn: arn,
  AwsSourceVpc: opaque,
  AwsSourceVpce: opaque,
  KmsKeyArn: arn,
  KmsOperation: str({ required: true, max: 128 }),
  KmsRequestId: str({ required: true, max: 2048 }),
  KmsViaService: opaque,
}, { required: true });

const keyStoreId = str({ required: true, min: 1, max: 64 });
/** Administration names a store by its id (xks-…) or URI prefix; omitted, the only store there is. */
const storeName = str({ min: 1, max: XKS_MAX_URI_PATH });
const externalKeyId = str({ required: true, min: 1, max: 128 });
/**
 * Blob limits here only bound the request; the handler answers sizes beyond what this proxy
 * supports with UnsupportedOperationException, as the specification asks.
 */
const requiredBytes = blob({ required: true, max: 1024 * 1024, sensitive: true });
const optionalBytes = blob({ max: 1024 * 1024, sensitive: true });

export const xksActions = {
  CreateXksKeyStore: {
    service: 'strongroom',
    readOnly: false,
    summary: 'Creates a logical external key store at a URI prefix with its first SigV4 credential (the secret is returned once).',
    input: struct({ UriPrefix: str({ required: true, max: XKS_MAX_URI_PATH }) }),
  },
  ListXksKeyStores: { service: 'strongroom', readOnly: true, summary: 'Lists the logical external key stores, their credentials (never secrets) and exposed keys.', input: struct({}) },
  DeleteXksKeyStore: { service: 'strongroom', readOnly: false, summary: 'Deletes a logical external key store, its credentials and its exposures (not the keys).', input: struct({ KeyStoreId: str({ required: true, min: 1, max: XKS_MAX_URI_PATH }) }) },
  AddXksKey: {
    service: 'strongroom',
    readOnly: false,
    summary: 'Exposes a key to an external key store under its key id; optionally only to the named AWS principals.',
    input: struct({ KeyStoreId: storeName, KeyId: str({ required: true, min: 1, max: 2048 }), AwsPrincipals: list({ member: arn, max: 20 }) }),
  },
  RemoveXksKey: { service: 'strongroom', readOnly: false, summary: 'Stops exposing a key to an external key store.', input: struct({ KeyStoreId: storeName, KeyId: str({ required: true, min: 1, max: 2048 }) }) },
  RotateXksCredentials: {
    service: 'strongroom',
    readOnly: false,
    summary: 'Adds a new SigV4 credential to an external key store; the old one stays active until retired.',
    input: struct({ KeyStoreId: storeName }),
  },
  RetireXksCredential: { service: 'strongroom', readOnly: false, summary: "Removes one of an external key store's SigV4 credentials.", input: struct({ AccessKeyId: str({ required: true, min: 1, max: 64 }) }) },
  XksGetKeyMetadata: {
    service: 'strongroom',
    readOnly: true,
    summary: 'XKS GetKeyMetadata: the external key’s spec, usages and status.',
    input: struct({ KeyStoreId: keyStoreId, ExternalKeyId: externalKeyId, RequestMetadata: requestMetadata }),
  },
  XksEncrypt: {
    service: 'strongroom',
    readOnly: true,
    summary: 'XKS Encrypt: AES-256-GCM under the exposed key’s current material.',
    input: struct({
      KeyStoreId: keyStoreId,
      ExternalKeyId: externalKeyId,
      RequestMetadata: requestMetadata,
      Plaintext: requiredBytes,
      EncryptionAlgorithm: str({ required: true, max: 64 }),
      AdditionalAuthenticatedData: optionalBytes,
      CiphertextDataIntegrityValueAlgorithm: str({ max: 64 }),
    }),
  },
  XksDecrypt: {
    service: 'strongroom',
    readOnly: true,
    summary: 'XKS Decrypt: AES-256-GCM under the material version its ciphertextMetadata names.',
    input: struct({
      KeyStoreId: keyStoreId,
      ExternalKeyId: externalKeyId,
      RequestMetadata: requestMetadata,
      Ciphertext: requiredBytes,
      CiphertextMetadata: optionalBytes,
      EncryptionAlgorithm: str({ required: true, max: 64 }),
      AdditionalAuthenticatedData: optionalBytes,
      InitializationVector: requiredBytes,
      AuthenticationTag: requiredBytes,
    }),
  },
  XksGetHealthStatus: {
    service: 'strongroom',
    readOnly: true,
    summary: 'XKS GetHealthStatus: a deep check of the root key, the database and AES-GCM.',
    input: struct({ KeyStoreId: keyStoreId, RequestMetadata: struct({ KmsOperation: str({ max: 128 }), KmsRequestId: str({ max: 2048 }) }, { required: true }) }),
  },
} as const;

/** The XKS proxy API's operations, as they appear in URIs and audit records. */
export const XKS_OPERATIONS = ['XksGetKeyMetadata', 'XksEncrypt', 'XksDecrypt', 'XksGetHealthStatus'] as const;
export type XksOperation = (typeof XKS_OPERATIONS)[number];

/**
 * The XKS proxy configuration file the AWS KMS console accepts when creating or editing an
 * external key store (the specification's "XKS proxy configuration in AWS KMS console"): the URI
 * path and one credential, so nobody types a long secret by hand. It holds the secret: written
 * owner-only by the CLI, downloaded only when the window has just shown it.
 */
export function xksProxyConfiguration(uriPath: string, accessKeyId: string, secretAccessKey: string): {
  readonly XksProxyUriPath: string;
  readonly XksProxyAuthenticationCredential: { readonly AccessKeyId: string; readonly RawSecretAccessKey: string };
} {
  return { XksProxyUriPath: uriPath, XksProxyAuthenticationCredential: { AccessKeyId: accessKeyId, RawSecretAccessKey: secretAccessKey } };
}
