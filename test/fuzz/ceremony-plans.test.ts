// A fuzzer for ceremony plans (issue 22, "ceremony plans"): the plan JSON `strongroom ceremony run`
// reads, through its validation entry point (parsePlan) in process, never a whole ceremony. A case
// is a valid plan with members replaced by any JSON, removed, added, duplicated, numbers and
// names changed, `__proto__` members, the text cut or a character changed, or any JSON or text.
// Each case: refused with a ValidationException whose message names the plan file; or accepted
// only when the plan really is consistent (checked here independently of plan.ts: names unique,
// one key source each, every reference names a custodian, thresholds reachable, shares 1..N each
// assigned once) and is exactly the JSON given. Validation writes nothing (the plan's folder is
// unchanged either way), and the valid plan still parses to the same plan after every case.
import fc from 'fast-check';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan, type CeremonyPlan } from '../../electron/kms/ceremony/plan.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzDir, fuzzParameters, isAwsErrorName } from './support.ts';

/** Cases in `npm test`: parsing is cheap (npm run fuzz: STRONGROOM_FUZZ_RUNS). */
const RUNS = 1000;

const VALID = {
  Installation: { AccountId: '123456789012', Region: 'eu-west-1', RootKeyProvider: 'passphrase' },
  Custodians: [
    { Name: 'alice', PublicKeyFile: 'alice.pub.pem' },
    { Name: 'bob', Generate: true },
    { Name: 'carol', Generate: true },
  ],
  Keys: [
    { Alias: 'alias/payments', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Description: 'payments', Exportable: true, Quorum: { Threshold: 2, Custodians: ['alice', 'bob'] } },
    { Alias: 'alias/signing', KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
  ],
  Backup: {
    Shares: 3,
    Threshold: 2,
    ShareFormat: 'words',
    Assignments: [
      { Index: 1, Custodian: 'alice', Seal: true },
      { Index: 2, Custodian: 'bob' },
      { Index: 3, Custodian: 'carol' },
    ],
  },
};
const VALID_TEXT = JSON.stringify(VALID, null, 2);

type Json = null | boolean | number | string | Array<Json> | { [k: string]: Json };
type Path = ReadonlyArray<string | number>;

/** Every path in a JSON value (the root included), so a mutation can land anywhere. */
function paths(value: Json, at: Path = []): Array<Path> {
  const out: Array<Path> = [at];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(...paths(v, [...at, k]));
    }
  }
  return out;
}

type Edit =
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'add-member'; at: number; name: string; value: Json }
  | { kind: 'duplicate'; at: number }
  | { kind: 'number'; at: number; n: number }
  | { kind: 'name'; at: number; name: string };

/** A new copy of `plan` with one edit at the `at`-th path (modulo the number of paths). */
function applyEdit(plan: Json, e: Edit): Json {
  const copy = structuredClone(plan);
  const all = paths(copy);
  const path = all[e.at % all.length] as Path;
  if (path.length === 0) {
    return e.kind === 'set' ? e.value : copy;
  }
  let parent: Json = copy;
  for (const step of path.slice(0, -1)) {
    parent = (parent as Record<string | number, Json>)[step] as Json;
  }
  const last = path.at(-1) as string | number;
  const container = parent as Record<string | number, Json> & Array<Json>;
  const current = container[last] as Json;
  switch (e.kind) {
    case 'set':
      container[last] = e.value;
      break;
    case 'delete':
      if (Array.isArray(container) && typeof last === 'number') {
        container.splice(last, 1);
      } else {
        delete container[last];
      }
      break;
    case 'add-member':
      if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
        // Defined, not assigned: a member named __proto__ stays a member, as JSON.parse makes it.
        Object.defineProperty(current, e.name, { value: e.value, enumerable: true, writable: true, configurable: true });
      }
      break;
    case 'duplicate':
      if (Array.isArray(container) && typeof last === 'number') {
        container.splice(last, 0, structuredClone(current));
      }
      break;
    case 'number':
      container[last] = typeof current === 'number' ? e.n : current;
      break;
    case 'name':
      container[last] = typeof current === 'string' ? e.name : current;
      break;
  }
  return copy;
}

const anyJson: fc.Arbitrary<Json> = fc.oneof(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom<Json>(null, '', 0, -1, 256, 1.5, [], {}));
const name = fc.oneof(fc.constantFrom('alice', 'bob', 'carol', 'dave', 'alias/payments', 'alias/aws/x', 'a'.repeat(65), '../x', 'passphrase', 'keychain'), fc.string({ maxLength: 12 }));
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: anyJson }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add-member' as const), at: fc.nat(), name: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'Generate', 'Exportible', 'Seal'), fc.string({ maxLength: 10 })), value: anyJson }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), n: fc.oneof(fc.integer({ min: -2, max: 260 }), fc.double()) }),
  fc.record({ kind: fc.constant('name' as const), at: fc.nat(), name }),
);
const textEdit = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('char' as const), at: fc.nat(), char: fc.constantFrom(...'{}[]",:0 a\u0000\ud800\ufeff') }),
);
type TextEdit = typeof textEdit extends fc.Arbitrary<infer T> ? T : never;
const applyText = (text: string, e: TextEdit): string =>
  e.kind === 'cut' ? text.slice(0, e.at % text.length) : text.slice(0, e.at % text.length) + e.char + text.slice((e.at % text.length) + 1);

/** What a plan must be to be accepted, checked without plan.ts. */
function expectConsistent(plan: CeremonyPlan): void {
  const names = plan.Custodians.map((c) => c.Name);
  expect(new Set(names).size).toBe(names.length);
  for (const c of plan.Custodians) {
    expect((c.Generate === true) !== (c.PublicKeyFile !== undefined)).toBe(true);
  }
  const aliases = plan.Keys.map((k) => k.Alias);
  expect(new Set(aliases).size).toBe(aliases.length);
  for (const k of plan.Keys) {
    expect(k.Alias.startsWith('alias/aws/')).toBe(false);
    if (k.Quorum !== undefined) {
      expect(new Set(k.Quorum.Custodians).size).toBe(k.Quorum.Custodians.length);
      expect(k.Quorum.Custodians.every((n) => names.includes(n))).toBe(true);
      expect(k.Quorum.Threshold).toBeLessThanOrEqual(k.Quorum.Custodians.length);
    }
  }
  const b = plan.Backup;
  expect(b.Threshold).toBeLessThanOrEqual(b.Shares);
  expect(b.Assignments.map((a) => a.Index).sort((x, y) => x - y)).toEqual(Array.from({ length: b.Shares }, (_, i) => i + 1));
  expect(b.Assignments.every((a) => names.includes(a.Custodian))).toBe(true);
}

/** A JSON value with every object member whose value is null left out. */
function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) {
    return value.map(withoutNulls);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

let folder: string;
let planFile: string;
let validPlan: CeremonyPlan;
/** The plan's folder as names, sizes and times: validation must not write there. */
const folderState = (): string => JSON.stringify(readdirSync(folder).map((n) => [n, statSync(join(folder, n)).size, statSync(join(folder, n)).mtimeMs]));

beforeAll(() => {
  folder = fuzzDir('strongroom-fuzz-plan-');
  planFile = join(folder, 'ceremony.json');
  writeFileSync(planFile, VALID_TEXT);
  validPlan = parsePlan(VALID_TEXT, planFile);
});

describe('ceremony plans', () => {
  const tally = new FuzzTally('ceremony-plans');
  afterAll(() => tally.write());

  const planText = fc.oneof(
    { weight: 6, arbitrary: fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => JSON.stringify(edits.reduce(applyEdit, VALID as unknown as Json))) },
    { weight: 2, arbitrary: fc.array(textEdit, { minLength: 1, maxLength: 2 }).map((edits) => edits.reduce(applyText, VALID_TEXT)) },
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
  );

  it(
    'a damaged plan is refused with a ValidationException naming the file, or is consistent and exactly what was written',
    () => {
      fc.assert(
        fc.property(planText, (text) => {
          tally.cases++;
          const before = folderState();
          let plan: CeremonyPlan;
          try {
            plan = parsePlan(text, planFile);
          } catch (err) {
            if (!(err instanceof KmsError) || !isAwsErrorName(err.name) || !err.message.includes(planFile)) {
              tally.crashes++;
              throw err;
            }
            tally.refusedWith(err.name);
            if (folderState() !== before) {
              tally.stateChanges++;
              throw new Error('refusing a plan wrote to its folder', { cause: err });
            }
            expect(parsePlan(VALID_TEXT, planFile)).toEqual(validPlan);
            return;
          }
          tally.accepted++;
          expectConsistent(plan);
          const { baseDir, ...members } = plan;
          expect(baseDir).toBe(folder);
          // A null optional member is an absent one (as in AWS requests); otherwise exactly as written.
          expect(members).toEqual(withoutNulls(JSON.parse(text) as Json));
          expect(folderState()).toBe(before);
          expect(parsePlan(VALID_TEXT, planFile)).toEqual(validPlan);
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
