// `strongroom secretsmanager <operation>`, as `aws secretsmanager <operation>`: the operations
// of shared/api/secretsmanager.ts in kebab case, their members as flags (the same parsing as the
// KMS commands: file://, fileb://, shorthand and JSON), list commands fetching every page unless
// --max-results or --next-token asks for one, the same output formats and --query.

import { secretsOperationNames, secretsOperations, type SecretsOperationName } from '../../shared/api/secretsmanager.ts';
import type { InvokeOptions, Kms } from '../kms/engine.ts';
import { describeSpec, GLOBAL_FLAGS } from './help.ts';
import { kebab } from './names.ts';
import { buildRequestFor, inputFlags } from './params.ts';
import { didYouMean } from './suggest.ts';
import { UsageError } from './usage-error.ts';

const byCommand = new Map<string, SecretsOperationName>(secretsOperationNames.map((n) => [kebab(n), n]));

/** The operation a subcommand names. @throws UsageError for a missing or unknown one. */
export function secretsOperationFor(sub: string | undefined): SecretsOperationName {
  if (sub === undefined) {
    throw new UsageError(`give an operation: strongroom secretsmanager <operation>. Operations: ${[...byCommand.keys()].join(', ')}`, 'secretsmanager');
  }
  const name = byCommand.get(sub);
  if (name === undefined) {
    throw new UsageError(`unknown secretsmanager operation '${sub}'.${didYouMean(sub, [...byCommand.keys()])}`, 'secretsmanager');
  }
  return name;
}

/** The list members each paged operation merges across pages. */
const PAGED: Partial<Record<SecretsOperationName, ReadonlyArray<string>>> = {
  ListSecrets: ['SecretList'],
  ListSecretVersionIds: ['Versions'],
  BatchGetSecretValue: ['SecretValues', 'Errors'],
};

/** Runs one operation from its flags; resolves with what to print. */
export async function runSecretsOperation(kms: Kms, name: SecretsOperationName, flags: Map<string, ReadonlyArray<string>>, options: InvokeOptions): Promise<Record<string, unknown>> {
  const command = `secretsmanager ${kebab(name)}`;
  const request = buildRequestFor(secretsOperations[name].input, flags, command);
  // Shorthand (Key=name,Values=prod) gives one filter value as text; the model wants a list.
  if (Array.isArray(request.Filters)) {
    request.Filters = request.Filters.map((f) => (typeof f === 'object' && f !== null && !Array.isArray(f) && typeof f.Values === 'string' ? { ...f, Values: [f.Values] } : f));
  }
  const invoke = (input: Record<string, unknown>) => kms.invokeSecrets(name, input, { ...options, blobs: 'base64' }) as Promise<Record<string, unknown>>;
  let output = await invoke(request);
  const lists = PAGED[name];
  // Like the AWS CLI, every page unless one was asked for (BatchGetSecretValue by list has one page).
  const paged = lists !== undefined && request.MaxResults === undefined && request.NextToken === undefined;
  while (paged && typeof output.NextToken === 'string') {
    const next = await invoke({ ...request, NextToken: output.NextToken });
    const merged: Record<string, unknown> = { ...output, ...next };
    for (const member of lists) {
      merged[member] = [...((output[member] as Array<unknown> | undefined) ?? []), ...((next[member] as Array<unknown> | undefined) ?? [])];
    }
    output = merged;
  }
  if (paged) {
    delete output.NextToken;
  }
  return output;
}

/** `strongroom secretsmanager --help` and `strongroom secretsmanager <operation> --help`. */
export function secretsHelp(sub: string | undefined): string {
  if (sub === undefined) {
    const lines = ['strongroom secretsmanager <operation> [flags]', '', 'Secrets Manager on this installation, as `aws secretsmanager`. Operations:'];
    for (const n of secretsOperationNames) {
      lines.push(`  ${kebab(n).padEnd(30)} ${secretsOperations[n].summary}`);
    }
    lines.push('', 'Rotation with a Lambda function is not supported.', '', GLOBAL_FLAGS, '');
    return lines.join('\n');
  }
  const name = secretsOperationFor(sub);
  const lines = [`strongroom secretsmanager ${sub} [flags]`, '', secretsOperations[name].summary, '', 'Flags:'];
  for (const { flag, spec } of inputFlags(secretsOperations[name].input)) {
    const shown = spec.type === 'boolean' ? `--${flag} | --no-${flag}` : `--${flag}`;
    lines.push(`  ${shown.padEnd(42)} ${spec.required === true ? '(required) ' : ''}${describeSpec(spec)}`);
  }
  lines.push('', GLOBAL_FLAGS, '');
  return lines.join('\n');
}
