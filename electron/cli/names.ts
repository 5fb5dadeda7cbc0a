// The AWS CLI's naming: operations and members in kebab case (CreateKey → create-key,
// EncryptionContext → --encryption-context, ReEncrypt → re-encrypt).

import { operationNames, type OperationName } from '../../shared/api/operations.ts';

export function kebab(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

const byCommand = new Map<string, OperationName>(operationNames.map((n) => [kebab(n), n]));

export function operationForCommand(command: string): OperationName | null {
  return byCommand.get(command) ?? null;
}
