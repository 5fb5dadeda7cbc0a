// Share re-entry (docs/decisions.md D26): each custodian gives back the share they were handed,
// which is checked alone (it opens if sealed, its checksum holds, it is this backup's and this
// custodian's index), then M of them are recombined through verifyBackup, the `backup verify`
// code, which decrypts the backup and checks its database and audit chain. Re-entry changes
// nothing in the installation, so it has no audit record of its own.

import type { BackupSummary } from '../backup/create.ts';
import { verifyBackup, type VerifySummary } from '../backup/restore.ts';
import { custodianPrivateKey, parseSealed, unseal } from '../backup/seal.ts';
import { decodeShare, parseShareText, shareWordsText, type Share } from '../backup/shares.ts';
import { wipe } from '../crypto/wipe.ts';
import { ValidationException } from '../errors.ts';
import type { CeremonyOperator, CustodianKey, ShareEntry, ShareRequest } from './operator.ts';

/** What re-entry needs: the backup the shares belong to, who can be asked, and the private keys the ceremony generated. */
export type ReentryContext = {
  readonly backup: BackupSummary;
  readonly operator: CeremonyOperator;
  /** Custodian name → the private key the ceremony generated for them (their sealed share opens without asking). */
  readonly generatedKeys: ReadonlyMap<string, CustodianKey>;
};

/** The key that opens `custodian`'s sealed share: the operator's, else the generated one. @throws ValidationException when there is neither */
async function keyFor(ctx: ReentryContext, request: ShareRequest, what: string): Promise<CustodianKey> {
  const generated = ctx.generatedKeys.get(request.custodian);
  const key = (await ctx.operator.custodianKey({ ...request, what, generated: generated !== undefined })) ?? generated;
  if (key === undefined) {
    throw new ValidationException(`${what} is sealed to ${request.custodian}'s key and no private key was given to open it.`);
  }
  return key;
}

/** One re-entered share checked alone. @throws ValidationException saying what does not match */
export async function checkShare(ctx: ReentryContext, request: ShareRequest, entry: ShareEntry): Promise<Share> {
  const { backup } = ctx;
  const { custodian, index } = request;
  const { text, what } = entry;
  // A PNG read as UTF-8 starts with U+FFFD (its 0x89 byte is not UTF-8), then PNG.
  if (/^\uFFFD?PNG\r\n/.test(text) || text.slice(0, 200).includes('<svg')) {
    throw new ValidationException(`${what} is a QR code image: scan it and give the text it holds (strongroom-share:1:…), or type the share's words.`);
  }
  let share: Share;
  const sealed = parseSealed(text, what);
  if (sealed !== null) {
    // The sealed label first: a share of another backup or index needs no key to be refused.
    if (sealed.BackupId !== backup.BackupId) {
      throw new ValidationException(`${what} belongs to backup ${sealed.BackupId}, not to this ceremony's backup ${backup.BackupId}.`);
    }
    if (sealed.Index !== index) {
      throw new ValidationException(`${what} is share ${sealed.Index}, but ${custodian} holds share ${index}.`);
    }
    const key = await keyFor(ctx, request, what);
    const privateKey = custodianPrivateKey(key.pem, key.what);
    try {
      share = decodeShare(await unseal(sealed, { privateKey }, what), what);
    } finally {
      // A key the operator gave is used once; a generated one is wiped when the ceremony ends.
      wipe(privateKey, ctx.generatedKeys.get(custodian) === key ? null : key.pem);
    }
  } else {
    share = parseShareText(text, what);
  }
  if (share.backupId !== backup.BackupId) {
    throw new ValidationException(`${what} belongs to backup ${share.backupId}, not to this ceremony's backup ${backup.BackupId}.`);
  }
  if (share.index !== index) {
    throw new ValidationException(`${what} is share ${share.index}, but ${custodian} holds share ${index}.`);
  }
  if (share.threshold !== backup.Threshold || share.total !== backup.Total) {
    throw new ValidationException(`${what} says ${share.threshold} of ${share.total}, but the backup is ${backup.Threshold} of ${backup.Total}.`);
  }
  return share;
}

/** Asks a custodian for their share until one checks out, or the operator gives up on them. */
export async function reenterShare(ctx: ReentryContext, request: ShareRequest): Promise<Share> {
  for (;;) {
    const entry = await ctx.operator.reenterShare(request);
    if (entry === null) {
      throw new ValidationException(`${request.custodian} stopped the re-entry of share ${request.index}.`);
    }
    let share: Share;
    try {
      share = await checkShare(ctx, request, entry);
    } catch (err) {
      if (err instanceof Error && ctx.operator.shareRefused(request, err)) {
        continue;
      }
      throw err;
    }
    ctx.operator.shareAccepted(request);
    return share;
  }
}

/** The first `threshold` re-entered shares recombined and the backup checked with them, as `backup verify` does. */
export async function recombine(backup: BackupSummary, checked: ReadonlyArray<{ readonly custodian: string; readonly share: Share }>): Promise<VerifySummary> {
  const subset = checked.slice(0, backup.Threshold);
  return verifyBackup(
    backup.File,
    subset.map((c) => ({ text: shareWordsText(c.share), what: `${c.custodian}'s share ${c.share.index}` })),
  );
}
