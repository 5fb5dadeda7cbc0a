// A fuzzer for the window's bridge (issue 22): the one dispatcher both the Electron IPC and the
// browser-mode WebSocket hand every request to. Any operation name, any input (JSON, bytes,
// members of the operation's own schema): the dispatcher always resolves with a BridgeResult, a
// refusal carries an AWS error name and a message, and a refusal changes nothing stored.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appOperations } from '../../shared/api/bridge.ts';
import { operations } from '../../shared/api/operations.ts';
import { createDispatcher, type Dispatcher } from '../../electron/bridge/dispatch.ts';
import { FileService } from '../../electron/bridge/files.ts';
import type { Kms } from '../../electron/kms/engine.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzEngine, fuzzParameters, isAwsErrorName, StateProbe } from './support.ts';

const RUNS = 200;
let kms: Kms;
let probe: StateProbe;
let dispatch: Dispatcher;
let keyId: string;

// SetEndpoint starts a server on a fixed port: not a case for a fuzzer running beside other tests.
const APP_NAMES = Object.keys(appOperations).filter((n) => n !== 'SetEndpoint');
const KMS_NAMES = Object.keys(operations);

beforeAll(async () => {
  const engine = await fuzzEngine('strongroom-fuzz-bridge-');
  kms = engine.kms;
  keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  probe = new StateProbe(engine.dir);
  dispatch = createDispatcher({
    status: async () => ({ initialized: true, unlocked: true }),
    engine: () => kms,
    files: new FileService({ engine: () => kms }),
    settings: () => ({ rootKeyProvider: 'memory', rootKeyLocation: 'memory', unlocked: true, dataDirectory: engine.dir, endpoint: { running: false, url: null }, surface: 'electron' }),
    showInFolder: async () => ({ shown: false }),
    exportDestination: async () => null,
    workspacePath: join(engine.dir, 'workspace.db'),
    log: () => {},
  });
});
afterAll(async () => {
  await dispatch.close();
  probe.close();
});

describe('the bridge dispatcher', () => {
  const tally = new FuzzTally('bridge');
  afterAll(() => tally.write());
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.uint8Array({ maxLength: 64 }), fc.constantFrom<unknown>(undefined, null, '', 0, NaN, Infinity, -0, [], {}), fc.string({ unit: 'binary', maxLength: 20 }));
  const memberNames = (name: string): Array<string> => {
    const spec = (operations as Record<string, { input: { members: Record<string, unknown> } }>)[name] ?? (appOperations as Record<string, { input?: { members?: Record<string, unknown> } }>)[name];
    return Object.keys(spec?.input?.members ?? {});
  };
  const request = fc.oneof(fc.constantFrom(...KMS_NAMES, ...APP_NAMES), fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty')).chain((name) =>
    fc.record({
      name: fc.constant(name),
      input: fc.oneof(
        fc.dictionary(fc.oneof(fc.constantFrom('KeyId', ...memberNames(name)), fc.string({ maxLength: 10 })), fc.oneof(value, fc.constant(keyId)), { maxKeys: 5 }),
        value,
      ),
    }),
  );

  it(
    'any name, any input: a BridgeResult, an AWS error with a message, no stored change on refusal',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async ({ name, input }) => {
          tally.cases++;
          const before = probe.fingerprint();
          const result = await dispatch(name, input);
          if (result.ok) {
            tally.accepted++;
            return;
          }
          if (!isAwsErrorName(result.error.name) || typeof result.error.message !== 'string' || result.error.message.length === 0) {
            tally.crashes++;
            throw new Error(`${name} answered without an AWS error name and message: ${JSON.stringify(result.error)}`);
          }
          tally.refusedWith(result.error.name);
          if (probe.fingerprint() !== before) {
            tally.stateChanges++;
            throw new Error(`a refused ${name} (${result.error.name}: ${result.error.message}) changed stored state`);
          }
          expect((await dispatch('ListKeys', {})).ok).toBe(true);
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
