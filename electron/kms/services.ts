// The stores and policy engine an open installation works with, built once per engine and handed
// to every action through the pipeline (actions/table.ts EngineServices).

import type { KeyObject } from 'node:crypto';
import { AccessKeyStore } from './iam/access-keys.ts';
import type { EngineServices } from './actions/table.ts';
import type { EngineClock } from './engine-clock.ts';
import type { InstallationInfo } from './installation.ts';
import { CustomKeyStores } from './keystore/stores.ts';
import { AccessControl } from './policy/access-control.ts';
import { PrincipalStore } from './iam/principals.ts';
import { QuorumStore } from './quorum/quorum.ts';
import type { Db } from './store/database.ts';
import { GrantRepository } from './store/grants.ts';
import { KeyRepository } from './store/repository.ts';
import { MaterialCache } from './operations/material-cache.ts';
import { XksStore } from './xks/store.ts';

export type ServiceParts = {
  readonly db: Db;
  readonly installation: InstallationInfo;
  readonly clock: EngineClock;
  readonly rootKey: () => KeyObject;
  readonly forgetAccessKeys: () => void;
};

export function engineServices(p: ServiceParts): EngineServices {
  const scope = { accountId: p.installation.accountId, region: p.installation.region };
  const materials = new MaterialCache();
  const repo = new KeyRepository(p.db, (keyId) => materials.forgetKey(keyId));
  const principals = new PrincipalStore(p.db, scope, p.clock);
  const grants = new GrantRepository(p.db);
  return {
    db: p.db,
    repo,
    grants,
    principals,
    keyStores: new CustomKeyStores(p.db, undefined, () => materials.clear()),
    access: new AccessControl(repo, grants, principals, scope, p.rootKey),
    quorum: new QuorumStore(p.db),
    xks: new XksStore(p.db, p.clock),
    accessKeys: new AccessKeyStore(p.db, p.clock),
    installation: p.installation,
    clock: p.clock,
    scope,
    rootKey: p.rootKey,
    materials,
    developerClock: p.clock,
    hooks: {
      // Copies the WAL into the database and truncates it, so destroyed pages leave the WAL file too.
      checkpointWal: () => {
        p.db.pragma('wal_checkpoint(TRUNCATE)');
      },
      forgetAccessKeys: p.forgetAccessKeys,
    },
  };
}
