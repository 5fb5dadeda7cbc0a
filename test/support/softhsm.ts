// A real SoftHSM2 token for the custom key store tests: a temp config whose token directory is a
// temp folder (SOFTHSM2_CONF), initialised with softhsm2-util, inspected with pkcs11-tool.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian (and a few other systems) put SoftHSM2's PKCS#11 module. */
const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

export type SoftHsmTools = { readonly modulePath: string } | { readonly missing: string };

/** The module path when softhsm2-util, pkcs11-tool and the module are all installed; what is missing otherwise. */
export function findSoftHsm(): SoftHsmTools {
  const modulePath = MODULE_CANDIDATES.find((p) => existsSync(p));
  const missing = [
    ...(onPath('softhsm2-util') ? [] : ['softhsm2-util (Debian package softhsm2)']),
    ...(onPath('pkcs11-tool') ? [] : ['pkcs11-tool (Debian package opensc)']),
    ...(modulePath === undefined ? [`libsofthsm2.so (looked in ${MODULE_CANDIDATES.join(', ')})`] : []),
  ];
  return missing.length > 0 || modulePath === undefined ? { missing: missing.join('; ') } : { modulePath };
}

/**
 * Points this process (and the tools it runs) at a fresh SoftHSM2 configuration under `dir` and
 * initialises a token there. Call before the module is first loaded: SoftHSM reads SOFTHSM2_CONF
 * in C_Initialize.
 */
export function initSoftHsm(dir: string, token: { label: string; pin: string; soPin: string }): void {
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', token.label, '--pin', token.pin, '--so-pin', token.soPin], { stdio: 'pipe' });
}

/** pkcs11-tool --list-objects --type secrkey on the token, logged in: its text output. */
export function listSecretKeys(modulePath: string, tokenLabel: string, pin: string): string {
  return execFileSync('pkcs11-tool', ['--module', modulePath, '--token-label', tokenLabel, '--login', '--pin', pin, '--list-objects', '--type', 'secrkey'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** One object of pkcs11-tool's listing: its label, ID and Access flags. */
export type ListedObject = { readonly label: string; readonly id: string; readonly access: ReadonlyArray<string>; readonly header: string };

/**
 * Parses opensc 0.23's listing, whose objects look like:
 *   Secret Key Object; AES length 32
 *     label:      <label>
 *     ID:         <hex>
 *     Usage:      encrypt, decrypt
 *     Access:     sensitive, always sensitive, never extractable, local
 */
export function parseObjects(listing: string): Array<ListedObject> {
  const objects: Array<ListedObject> = [];
  for (const block of listing.split(/\n(?=\S)/)) {
    const header = block.split('\n')[0] ?? '';
    const field = (name: string): string => new RegExp(`^\\s+${name}:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
    if (/Object;/.test(header)) {
      objects.push({ header, label: field('label'), id: field('ID'), access: field('Access').split(',').map((a) => a.trim()).filter((a) => a !== '') });
    }
  }
  return objects;
}
