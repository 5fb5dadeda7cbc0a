// Policy evaluation cost per request: Encrypt through the engine as a user whose access comes
// from a 20-statement key policy (the statement that allows it last, with a condition on the
// encryption context), against Encrypt as the owner on the default one-statement policy, in the
// same run. Calls come from 100 concurrent callers (one group commit each, as every surface) so the
// fsync does not hide the CPU cost; the decision alone is timed too.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kms, type InvokeOptions } from '../electron/kms/engine.ts';
import { parsePolicy } from '../electron/kms/policy/document.ts';
import { evaluate, type AuthorizationRequest } from '../electron/kms/policy/evaluate.ts';
import { MemoryRootKeyProvider } from '../electron/kms/rootkey/memory.ts';
import { printedRate } from './hot-path.ts';
import { measure } from './measure.ts';

const BATCH = 100;

function twentyStatements(account: string, users: ReadonlyArray<string>): string {
  const statements: Array<Record<string, unknown>> = [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: 'DenyOutsideAccount', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotEquals: { 'kms:CallerAccount': account } } },
  ];
  for (const [i, user] of users.slice(0, 17).entries()) {
    statements.push({
      Sid: `Team${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:user/${user}` },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:team': `team-${i}` }, DateLessThan: { 'aws:CurrentTime': '2099-01-01T00:00:00Z' } },
    });
  }
  statements.push({
    Sid: 'BenchUserEncrypts',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:user/bench` },
    Action: ['kms:Encrypt'],
    Resource: '*',
    Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'bench' }, Bool: { 'aws:ViaAWSService': 'false' } },
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export async function policyCost(seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-policy-'));
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider() });
  try {
    const account = kms.installation.accountId;
    const users = Array.from({ length: 17 }, (_, i) => `member${i}`);
    for (const u of [...users, 'bench']) {
      kms.createPrincipal('user', u);
    }
    const policy = twentyStatements(account, users);
    const plain = kms.invokeSync('CreateKey', {}).KeyMetadata.KeyId;
    const guarded = kms.invokeSync('CreateKey', { Policy: policy }).KeyMetadata.KeyId;
    const asBench = kms.callerFor('bench', 'bench');
    const Plaintext = new Uint8Array(32);
    const EncryptionContext = { purpose: 'bench' };
    // BATCH concurrent callers: the engine commits the calls that wait together (one fsync).
    const encrypt = (keyId: string, options: InvokeOptions = {}) => (): Promise<unknown> => kms.invoke('Encrypt', { KeyId: keyId, Plaintext, EncryptionContext }, options);
    const plainCall = encrypt(plain);
    const guardedCall = encrypt(guarded, { caller: asBench });
    await guardedCall(); // rejects if the bench user is refused

    console.log(`\nPolicy evaluation, Encrypt by ${BATCH} concurrent callers (one commit per group)`);
    const perCallAllow = 1e6 / (await printedRate('owner, default 1-statement policy', plainCall, BATCH, seconds));
    const perCallPolicy = 1e6 / (await printedRate('user, 20-statement policy, allowed last', guardedCall, BATCH, seconds));
    console.log(`  per call: ${perCallAllow.toFixed(1)} µs vs ${perCallPolicy.toFixed(1)} µs — the 20-statement policy adds ${(perCallPolicy - perCallAllow).toFixed(1)} µs (${((perCallPolicy / perCallAllow - 1) * 100).toFixed(1)} %)`);

    // The decision alone, without the engine around it.
    const doc = parsePolicy(policy, 'key');
    const defaultDoc = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] }), 'key');
    const context = new Map<string, ReadonlyArray<string>>([
      ['kms:encryptioncontext:purpose', ['bench']],
      ['kms:calleraccount', [account]],
      ['aws:currenttime', [new Date().toISOString()]],
      ['aws:viaawsservice', ['false']],
    ]);
    const base: Omit<AuthorizationRequest, 'caller' | 'keyPolicy'> = {
      action: 'kms:Encrypt',
      resource: `arn:aws:kms:local-1:${account}:key/${guarded}`,
      identityPolicies: [],
      grants: [],
      encryptionContext: EncryptionContext,
      conditions: (k) => context.get(k),
    };
    const benchId = asBench.principalId ?? '';
    const twenty = { ...base, caller: { arn: asBench.arn, accountId: account, principalId: benchId }, keyPolicy: { document: doc, bindings: { [asBench.arn]: benchId } } };
    const one = { ...base, caller: { arn: `arn:aws:iam::${account}:root`, accountId: account, principalId: null }, keyPolicy: { document: defaultDoc, bindings: {} } };
    const d1 = measure('evaluate(): default policy, owner (decisions/s)', () => evaluate(one), seconds);
    const d20 = measure('evaluate(): 20 statements, user (decisions/s)', () => evaluate(twenty), seconds);
    console.log(`  one decision: ${(1e6 / d1.perSecond).toFixed(2)} µs vs ${(1e6 / d20.perSecond).toFixed(2)} µs`);
  } finally {
    kms.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
