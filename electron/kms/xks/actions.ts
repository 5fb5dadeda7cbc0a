// The XKS actions' handlers and audit shapes, as the action table (actions/table.ts) takes them.

import type { JsonObject } from '../audit/canonical.ts';
import type { EngineHooks } from '../context.ts';
import { addXksKey, createXksKeyStore, deleteXksKeyStore, listXksKeyStores, removeXksKey, retireXksCredential, rotateXksCredentials, xksAudit } from './admin.ts';
import { xksDecrypt, xksEncrypt, xksGetHealthStatus, xksGetKeyMetadata } from './proxy.ts';

export const XKS_HANDLERS = {
  CreateXksKeyStore: createXksKeyStore,
  ListXksKeyStores: listXksKeyStores,
  DeleteXksKeyStore: deleteXksKeyStore,
  AddXksKey: addXksKey,
  RemoveXksKey: removeXksKey,
  RotateXksCredentials: rotateXksCredentials,
  RetireXksCredential: retireXksCredential,
  XksGetKeyMetadata: xksGetKeyMetadata,
  XksEncrypt: xksEncrypt,
  XksDecrypt: xksDecrypt,
  XksGetHealthStatus: xksGetHealthStatus,
};

type AuditShape = { readonly response?: (output: never) => JsonObject | null; readonly afterCommit?: (hooks: EngineHooks) => void };

/** What each changing XKS action's record says beyond its request members (never a secret). */
export const XKS_AUDIT = {
  CreateXksKeyStore: { response: xksAudit.created },
  DeleteXksKeyStore: { response: xksAudit.keyStore },
  AddXksKey: { response: xksAudit.exposure },
  RemoveXksKey: { response: xksAudit.exposure },
  RotateXksCredentials: { response: xksAudit.rotated },
  RetireXksCredential: { response: xksAudit.retired },
} satisfies Record<string, AuditShape>;
