// The installation's agent (D30) as the envelope code's KMS port (envelope/kms-client.ts):
// `encrypt-file` and `decrypt-file` get and open their data keys through the unlocked engine in
// `strongroom agent run`, as every other operation call does, so a file command on a passphrase
// installation does not pay the KDF again. The agent validates, authorizes and audits each call
// exactly as a direct one.

import type { OperationName, OperationOutput } from '../../shared/api/operations.ts';
import type { KmsErrorName } from '../../shared/api/errors.ts';
import type { InvokeOptions, KmsClient } from '../kms/envelope/kms-client.ts';
import { FILES_SERVICE } from '../kms/managed-keys.ts';
import { InstallationError, KmsError, type Denial } from '../kms/errors.ts';
import { AGENT_INSTALLATION, type AgentConnection, type AgentReply } from './agent.ts';

/** The agent's reply as the direct call would have ended: its output, or the same error. */
export function fromAgent(reply: AgentReply): Record<string, unknown> {
  if ('output' in reply) {
    return reply.output;
  }
  const { kind, name, message, problem, denial } = reply.error;
  if (kind === 'kms') {
    const why = denialOf(denial);
    throw new KmsError(name as KmsErrorName, message, why === undefined ? undefined : { denial: why });
  }
  if (kind === 'installation') {
    throw new InstallationError((problem ?? 'RootKeyUnavailable') as InstallationError['problem'], message);
  }
  throw new Error(message);
}

/** A denial as the agent sent it, when it has the shape KmsError.denial has. */
function denialOf(value: unknown): Denial | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const { keyArn, aliases, explanation } = value as Record<string, unknown>;
  const aliasList = Array.isArray(aliases) && aliases.every((a) => typeof a === 'string') ? (aliases as Array<string>) : null;
  if ((keyArn !== null && typeof keyArn !== 'string') || aliasList === null || typeof explanation !== 'string') {
    return undefined;
  }
  return { keyArn, aliases: aliasList, explanation };
}

/**
 * A KMS client served by `agent`, calling as `as` (the installation owner when undefined); null
 * when the agent does not answer the installation request (an agent from an older version, or
 * one that found its installation changed): the caller then opens the installation itself.
 */
export async function agentKmsClient(agent: AgentConnection, as: string | undefined): Promise<KmsClient | null> {
  const reply = await agent.call(AGENT_INSTALLATION, {}, undefined);
  if ('error' in reply) {
    return null;
  }
  const { AccountId: accountId, Region: region, ManagedFilesKeyArn: filesKey } = reply.output;
  if (typeof accountId !== 'string' || typeof region !== 'string') {
    return null;
  }
  return {
    installation: { accountId, region },
    async invoke<N extends OperationName>(name: N, input: unknown, options: InvokeOptions = {}): Promise<OperationOutput<N>> {
      return fromAgent(await agent.call(name, input as Record<string, unknown>, as, options.viaService)) as OperationOutput<N>;
    },
    managedKeyArn: (service) => (service === FILES_SERVICE && typeof filesKey === 'string' ? filesKey : null),
  };
}
