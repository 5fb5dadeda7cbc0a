// The window's secrets: app operations that run Secrets Manager's own operations through the
// engine (Kms.invokeSecrets), so each is authorized and audited exactly as on the endpoint —
// revealing a value is a GetSecretValue record. Dates cross as ISO text; a binary value is not
// shown, only its size.

import type { AppInput, AppOutputs, SecretShape } from '../../shared/api/bridge.ts';
import type { Kms } from '../kms/engine.ts';
import type { Caller } from '../kms/iam/caller.ts';

type Out = Readonly<Record<string, unknown>>;

function iso(value: unknown): string | undefined {
  return value instanceof Date ? value.toISOString() : undefined;
}

function secretShape(entry: Out): SecretShape {
  const changed = iso(entry.LastChangedDate) ?? '';
  const accessed = iso(entry.LastAccessedDate);
  const deleted = iso(entry.DeletedDate);
  return {
    ARN: String(entry.ARN),
    Name: String(entry.Name),
    ...(typeof entry.Description === 'string' ? { Description: entry.Description } : {}),
    ...(typeof entry.KmsKeyId === 'string' ? { KmsKeyId: entry.KmsKeyId } : {}),
    LastChangedDate: changed,
    ...(accessed === undefined ? {} : { LastAccessedDate: accessed }),
    ...(deleted === undefined ? {} : { DeletedDate: deleted }),
    Versions: Object.keys((entry.SecretVersionsToStages as Out | undefined) ?? {}).length,
  };
}

type SecretHandlers = {
  readonly SecretList: (input: AppInput<'SecretList'>) => Promise<AppOutputs['SecretList']>;
  readonly SecretCreate: (input: AppInput<'SecretCreate'>) => Promise<AppOutputs['SecretCreate']>;
  readonly SecretReveal: (input: AppInput<'SecretReveal'>) => Promise<AppOutputs['SecretReveal']>;
  readonly SecretPutValue: (input: AppInput<'SecretPutValue'>) => Promise<AppOutputs['SecretPutValue']>;
  readonly SecretDelete: (input: AppInput<'SecretDelete'>) => Promise<AppOutputs['SecretDelete']>;
  readonly SecretRestore: (input: AppInput<'SecretRestore'>) => Promise<AppOutputs['SecretRestore']>;
};

export function secretHandlers(openEngine: () => Promise<Kms>, callerOptions: () => { caller?: Caller }): SecretHandlers {
  const sm = async (name: Parameters<Kms['invokeSecrets']>[0], input: Out): Promise<Out> => (await openEngine()).invokeSecrets(name, input, callerOptions());
  return {
    SecretList: async () => {
      const secrets: Array<SecretShape> = [];
      let token: string | undefined;
      do {
        const page = await sm('ListSecrets', { IncludePlannedDeletion: true, SortBy: 'name', ...(token === undefined ? {} : { NextToken: token }) });
        secrets.push(...((page.SecretList as ReadonlyArray<Out> | undefined) ?? []).map(secretShape));
        token = typeof page.NextToken === 'string' ? page.NextToken : undefined;
      } while (token !== undefined);
      return { Secrets: secrets };
    },
    SecretCreate: async (input) => {
      const out = await sm('CreateSecret', input);
      return { ARN: String(out.ARN), Name: String(out.Name) };
    },
    SecretReveal: async (input) => {
      const out = await sm('GetSecretValue', { SecretId: input.SecretId });
      const binary = out.SecretBinary instanceof Uint8Array ? out.SecretBinary : null;
      const size = binary?.length;
      binary?.fill(0);
      return {
        Name: String(out.Name),
        VersionId: String(out.VersionId),
        ...(typeof out.SecretString === 'string' ? { SecretString: out.SecretString } : {}),
        ...(size === undefined ? {} : { BinaryBytes: size }),
        CreatedDate: iso(out.CreatedDate) ?? '',
      };
    },
    SecretPutValue: async (input) => ({ VersionId: String((await sm('PutSecretValue', input)).VersionId) }),
    SecretDelete: async (input) => ({ DeletionDate: iso((await sm('DeleteSecret', input)).DeletionDate) ?? '' }),
    SecretRestore: async (input) => {
      await sm('RestoreSecret', input);
      return { restored: true };
    },
  };
}
