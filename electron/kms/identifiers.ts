// Key and alias identifiers: ARNs in the AWS form (so the AWS SDKs accept them) with this
// installation's account id and region, and the rules for alias names.

import { InvalidAliasNameException, InvalidArnException, NotAuthorizedException, ValidationException } from './errors.ts';

export type Scope = { readonly accountId: string; readonly region: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isKeyUuid(s: string): boolean {
  return UUID.test(s);
}

export function keyArn(scope: Scope, keyId: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`;
}

export function aliasArn(scope: Scope, aliasName: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:${aliasName}`;
}

export type ParsedKmsArn = {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly resourceType: 'key' | 'alias';
  /** For keys the key id; for aliases the full alias name ('alias/…'). */
  readonly resource: string;
};

const KMS_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):(key\/[^/]+|alias\/.+)$/;

/** Parses a KMS key or alias ARN. @throws InvalidArnException for anything else that starts with 'arn:'. */
export function parseKmsArn(arn: string): ParsedKmsArn {
  const m = KMS_ARN.exec(arn);
  if (m === null) {
    throw new InvalidArnException(
      `Invalid ARN '${arn}': expected arn:aws:kms:<region>:<12-digit account>:key/<key id> or …:alias/<name>.`,
    );
  }
  const [, partition = '', region = '', accountId = '', resource = ''] = m;
  const isKey = resource.startsWith('key/');
  return {
    partition,
    region,
    accountId,
    resourceType: isKey ? 'key' : 'alias',
    resource: isKey ? resource.slice('key/'.length) : resource,
  };
}

const ALIAS_CHARS = /^[a-zA-Z0-9:/_-]+$/;

/**
 * Checks a customer alias name: 'alias/' prefix, allowed characters, not the reserved
 * 'alias/aws/' namespace. The length and character checks duplicate the schema's on purpose:
 * aliases also arrive inside ARNs and KeyId values, which the schema does not see as aliases.
 * aliasOperation: the name is the AliasName member of CreateAlias, UpdateAlias or DeleteAlias
 * (false: an alias inside a KeyId).
 */
export function checkAliasName(name: string, aliasOperation: boolean): void {
  if (!name.startsWith('alias/') || name.length === 'alias/'.length) {
    const message = `Alias '${name}' must start with the prefix "alias/" followed by a name, e.g. alias/my-key.`;
    // The AliasName of CreateAlias, UpdateAlias and DeleteAlias: AWS answers ValidationException.
    throw aliasOperation ? new ValidationException(message) : new InvalidAliasNameException(message);
  }
  if (!ALIAS_CHARS.test(name) || name.length > 256) {
    throw new InvalidAliasNameException(
      `Alias '${name}' may contain only letters, digits, '/', '_', '-' and ':', up to 256 characters.`,
    );
  }
  if (aliasOperation && (name.startsWith('alias/aws/') || name === 'alias/aws')) {
    throw new NotAuthorizedException(
      `Alias '${name}' is in the reserved alias/aws/ namespace, which belongs to AWS managed keys. Choose another name.`,
    );
  }
}
