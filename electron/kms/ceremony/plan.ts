// The key ceremony's plan file (docs/decisions.md D26): one schema in the project's shared schema language
// (shared/api/schema.ts), so a mistake is reported as a ValidationException naming its JSON path
// ('custodians.2.member.name'), then the cross-references the schema cannot express (names that
// must exist, share indexes that must cover 1..N), reported the same way.

import { dirname, isAbsolute, resolve } from 'node:path';
import { KEY_SPECS, KEY_USAGES } from '../../../shared/api/operations.ts';
import { bool, int, list, memberPath, SchemaError, str, struct, validateInput, type Infer, type Spec } from '../../../shared/api/schema.ts';
import { ValidationException } from '../errors.ts';
import { SHARE_FORMATS } from '../backup/create.ts';

/** A custodian's name: also a file name in the out folder (custodians/<name>.key), so no separators. */
export const CUSTODIAN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const ceremonyPlanSpec = struct({
  Installation: struct(
    {
      AccountId: str({ pattern: /^\d{12}$/ }),
      Region: str({ min: 1, max: 64, pattern: /^[a-z0-9-]+$/ }),
      RootKeyProvider: str({ required: true, enum: ['keychain', 'passphrase'] }),
    },
    { required: true },
  ),
  Custodians: list({
    required: true,
    min: 1,
    max: 255,
    member: struct({
      Name: str({ required: true, pattern: CUSTODIAN_NAME }),
      PublicKeyFile: str({ min: 1, max: 4096 }),
      Generate: bool(),
    }),
  }),
  Keys: list({
    required: true,
    min: 0,
    max: 100,
    member: struct({
      Alias: str({ required: true, min: 7, max: 256, pattern: /^alias\/[a-zA-Z0-9/_-]+$/ }),
      KeySpec: str({ enum: KEY_SPECS }),
      KeyUsage: str({ enum: KEY_USAGES }),
      Description: str({ max: 8192 }),
      Exportable: bool(),
      Quorum: struct({
        Threshold: int({ required: true, min: 1, max: 255 }),
        Custodians: list({ required: true, min: 1, max: 255, member: str({ pattern: CUSTODIAN_NAME }) }),
      }),
    }),
  }),
  Backup: struct(
    {
      Shares: int({ required: true, min: 2, max: 255 }),
      Threshold: int({ required: true, min: 2, max: 255 }),
      ShareFormat: str({ enum: SHARE_FORMATS }),
      Assignments: list({
        required: true,
        min: 1,
        max: 255,
        member: struct({
          Index: int({ required: true, min: 1, max: 255 }),
          Custodian: str({ required: true, pattern: CUSTODIAN_NAME }),
          Seal: bool(),
        }),
      }),
    },
    { required: true },
  ),
});

export type CeremonyPlan = Infer<typeof ceremonyPlanSpec> & {
  /** The plan file's folder: PublicKeyFile paths are relative to it. */
  readonly baseDir: string;
};

function planError(file: string, problems: ReadonlyArray<string>): Error {
  const n = problems.length;
  return new ValidationException(`The ceremony plan ${file} is not valid: ${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

/**
 * Members the schema does not know. AWS ignores them in requests (newer SDKs send newer fields);
 * a plan is written by hand, so a misspelt optional member ("Exportible") must not pass silently.
 */
function unknownMembers(spec: Spec, value: unknown, path: string, out: Array<string>): void {
  if (spec.type === 'structure' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [name, v] of Object.entries(value)) {
      // Own members only: spec.members['__proto__'] (or 'constructor') is Object.prototype's, not undefined.
      const member = Object.hasOwn(spec.members, name) ? spec.members[name] : undefined;
      const at = path === '' ? memberPath(name) : `${path}.${memberPath(name)}`;
      if (member === undefined) {
        out.push(`at '${at}': unknown member '${name}' (expected one of ${Object.keys(spec.members).join(', ')})`);
      } else {
        unknownMembers(member, v, at, out);
      }
    }
  } else if (spec.type === 'list' && Array.isArray(value)) {
    value.forEach((item, i) => unknownMembers(spec.member, item, `${path}.${i + 1}.member`, out));
  }
}

/** Parses and checks a plan file's text. @throws ValidationException naming every problem's JSON path. */
export function parsePlan(text: string, file: string): CeremonyPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationException(`The ceremony plan ${file} is not JSON: ${(err as Error).message}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationException(`The ceremony plan ${file} is not valid: expected a JSON object with Installation, Custodians, Keys and Backup.`);
  }
  const unknown: Array<string> = [];
  unknownMembers(ceremonyPlanSpec, value, '', unknown);
  if (unknown.length > 0) {
    throw planError(file, unknown);
  }
  let plan: Infer<typeof ceremonyPlanSpec>;
  try {
    plan = validateInput(ceremonyPlanSpec, value, 'bytes');
  } catch (err) {
    if (err instanceof SchemaError) {
      throw new ValidationException(`The ceremony plan ${file} is not valid: ${err.message}`);
    }
    throw err;
  }
  const problems: Array<string> = [];
  const at = (path: string, why: string): void => {
    problems.push(`at '${path}': ${why}`);
  };
  const names = new Set<string>();
  plan.Custodians.forEach((c, i) => {
    const path = `custodians.${i + 1}.member`;
    if (names.has(c.Name)) {
      at(`${path}.name`, `the custodian name '${c.Name}' is used twice`);
    }
    names.add(c.Name);
    const generate = c.Generate === true;
    if (generate === (c.PublicKeyFile !== undefined)) {
      at(path, `give exactly one of publicKeyFile (their Ed25519 public key, PEM) and generate: true for custodian '${c.Name}'`);
    }
  });
  const known = [...names].join(', ');
  const aliases = new Set<string>();
  plan.Keys.forEach((k, i) => {
    const path = `keys.${i + 1}.member`;
    if (aliases.has(k.Alias)) {
      at(`${path}.alias`, `the alias '${k.Alias}' is used twice`);
    }
    aliases.add(k.Alias);
    if (k.Alias.startsWith('alias/aws/')) {
      at(`${path}.alias`, "aliases beginning with 'alias/aws/' are reserved for AWS managed keys");
    }
    if (k.Quorum !== undefined) {
      const members = new Set<string>();
      k.Quorum.Custodians.forEach((name, j) => {
        if (!names.has(name)) {
          at(`${path}.quorum.custodians.${j + 1}.member`, `no custodian named '${name}' in this plan (custodians: ${known})`);
        }
        if (members.has(name)) {
          at(`${path}.quorum.custodians.${j + 1}.member`, `'${name}' is named twice`);
        }
        members.add(name);
      });
      if (k.Quorum.Threshold > k.Quorum.Custodians.length) {
        at(`${path}.quorum.threshold`, `${k.Quorum.Threshold} approvals can never come from ${k.Quorum.Custodians.length} custodian${k.Quorum.Custodians.length === 1 ? '' : 's'}`);
      }
    }
  });
  const b = plan.Backup;
  if (b.Threshold > b.Shares) {
    at('backup.threshold', `a threshold of ${b.Threshold} needs at least ${b.Threshold} shares, not ${b.Shares}`);
  }
  const seen = new Map<number, string>();
  b.Assignments.forEach((a, i) => {
    const path = `backup.assignments.${i + 1}.member`;
    if (a.Index > b.Shares) {
      at(`${path}.index`, `share ${a.Index} does not exist: the backup has ${b.Shares} shares`);
    }
    if (seen.has(a.Index)) {
      at(`${path}.index`, `share ${a.Index} is assigned twice (to ${seen.get(a.Index) ?? '?'} and ${a.Custodian})`);
    }
    seen.set(a.Index, a.Custodian);
    if (!names.has(a.Custodian)) {
      at(`${path}.custodian`, `no custodian named '${a.Custodian}' in this plan (custodians: ${known})`);
    }
  });
  const unassigned = Array.from({ length: b.Shares }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (unassigned.length > 0 && b.Shares <= 255) {
    at('backup.assignments', `every share needs a custodian to hold and re-enter it; unassigned: ${unassigned.join(', ')}`);
  }
  if (problems.length > 0) {
    throw planError(file, problems);
  }
  return { ...plan, baseDir: dirname(resolve(file)) };
}

/** A path from the plan, relative to the plan file's folder. */
export function planPath(plan: CeremonyPlan, path: string): string {
  return isAbsolute(path) ? path : resolve(plan.baseDir, path);
}
