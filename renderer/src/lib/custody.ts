// Custody in plain words: a custom key store's connection state and error code (D24's mapping of
// PKCS#11 return values), the checks the create-store form makes before anything is sent, and
// the CLI commands the window points to for what it does not do (approvals, backups: D27).

import type { Tone } from '../components/Badge.tsx';

export type StoreStateWords = { readonly text: string; readonly tone: Tone };

/** CONNECTED → "Connected" (ok), FAILED → "Connection failed" (problem), … */
export function storeStateWords(state: string | undefined): StoreStateWords {
  switch (state) {
    case 'CONNECTED':
      return { text: 'Connected', tone: 'ok' };
    case 'DISCONNECTED':
      return { text: 'Disconnected', tone: 'neutral' };
    case 'FAILED':
      return { text: 'Connection failed', tone: 'problem' };
    case 'CONNECTING':
      return { text: 'Connecting', tone: 'info' };
    case 'DISCONNECTING':
      return { text: 'Disconnecting', tone: 'info' };
    default:
      return { text: state ?? 'Unknown', tone: 'neutral' };
  }
}

const ERROR_WORDS: Readonly<Record<string, string>> = {
  INVALID_CREDENTIALS: 'The token refused the PIN. Disconnect the store, set the right PIN with the CLI (strongroom update-custom-key-store --key-store-password …) and connect again.',
  USER_LOCKED_OUT: 'The token has locked its user PIN (too many wrong PINs, or it expired). Unlock it with the token’s own tools (its security officer PIN), then disconnect and connect again.',
  CLUSTER_NOT_FOUND: 'The PKCS#11 module did not load, or no token carries this label. Check the module path and the token label (and that the token is plugged in).',
  NETWORK_ERRORS: 'The token went away (removed, or a device error). Plug it back in, then disconnect and connect again.',
  INTERNAL_ERROR: 'The token answered with an error Strongroom does not name. The audit log has the PKCS#11 return value.',
  USER_LOGGED_IN: 'The token’s user is logged in elsewhere.',
  USER_NOT_FOUND: 'The token has no user PIN set: initialise the token first.',
};

/** A ConnectionErrorCode in plain words with what to do; unknown codes are split into words. */
export function connectionErrorWords(code: string | undefined): string | null {
  if (code === undefined || code === '') {
    return null;
  }
  if (Object.hasOwn(ERROR_WORDS, code)) {
    return ERROR_WORDS[code] as string;
  }
  const words = code.toLowerCase().replace(/_/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
}

export type StoreForm = { readonly name: string; readonly modulePath: string; readonly tokenLabel: string; readonly pin: string };

/** What is wrong with the create-store form (the engine checks again): empty is fine only nowhere. */
export function storeFormProblems(form: StoreForm): Array<string> {
  const out: Array<string> = [];
  if (form.name.trim() === '') {
    out.push('Name the store.');
  } else if (form.name.length > 256) {
    out.push('The store name is longer than 256 characters.');
  }
  if (form.modulePath.trim() === '') {
    out.push('Type the path of the token’s PKCS#11 module (a .so, .dylib or .dll file).');
  } else if (form.modulePath.length > 1024) {
    out.push('The module path is longer than 1024 characters.');
  }
  if (form.tokenLabel === '') {
    out.push('Type the token’s label.');
  } else if (new TextEncoder().encode(form.tokenLabel).length > 32) {
    out.push('A PKCS#11 token label is at most 32 bytes.');
  }
  if (form.pin === '') {
    out.push('Type the token’s user PIN.');
  } else if (form.pin.length > 256) {
    out.push('The PIN is longer than 256 characters.');
  }
  return out;
}

/** The operations a quorum rule guards, as the key page names its buttons. */
export const GUARDED_ACTION_WORDS: Readonly<Record<string, string>> = {
  ScheduleKeyDeletion: 'Schedule deletion',
  DisableKey: 'Disable',
  PutKeyPolicy: 'Edit policy',
  ExportKeyMaterial: 'Export key material',
};

/**
 * The CLI steps for one guarded call on a key (D25): write the request with the call's exact
 * input, have M custodians sign it, run the same call with --approvals. ScheduleKeyDeletion and
 * DisableKey are spelled out; PutKeyPolicy and export take the policy or wrapping files, so their
 * input is named, not invented.
 */
export function approvalCommands(operation: string, keyArn: string, threshold: number): string {
  const request =
    operation === 'ScheduleKeyDeletion'
      ? `--input '{"KeyId":"${keyArn}","PendingWindowInDays":30}'`
      : operation === 'DisableKey'
        ? `--input '{"KeyId":"${keyArn}"}'`
        : `--input '<the call’s exact input as JSON, with KeyId ${keyArn}>'`;
  const run =
    operation === 'ScheduleKeyDeletion'
      ? `strongroom schedule-key-deletion --key-id ${keyArn} --pending-window-in-days 30`
      : operation === 'DisableKey'
        ? `strongroom disable-key --key-id ${keyArn}`
        : operation === 'PutKeyPolicy'
          ? `strongroom put-key-policy --key-id ${keyArn} --policy file://policy.json`
          : `strongroom export-key --key-id ${keyArn} …`;
  return [
    `strongroom approval request ${operation} ${request} --out request.json`,
    `# ${threshold === 1 ? 'one custodian' : `${threshold} custodians`}, each on their own computer (it shows what they sign first):`,
    'strongroom approval sign --request request.json --key <name>.key --out <name>.approval.json',
    '# then here, the same call with their approval files:',
    `${run} --approvals <name>.approval.json …`,
  ].join('\n');
}
