// Issue 22, finding 3: `init` into a folder of mode 0755 (or 0777) left it so, and strongroom.db,
// -wal and -shm were created 0644 under the default umask, so other local users could read the
// wrapped root key, wrapped material and the audit log. Folders are 0700 and files 0600 whatever
// the umask or the folder's prior mode; an installation found readable by others is repaired.
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();
const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** Every entry under `dir` (itself included) with its permission bits, as 'path mode' lines. */
function modes(dir: string): Array<string> {
  const out = [`. ${modeOf(dir).toString(8)}`];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    out.push(`${entry} ${modeOf(join(dir, entry)).toString(8)}`);
  }
  return out;
}

let savedUmask: number;
beforeEach(() => {
  savedUmask = process.umask(0o022);
});
afterEach(() => {
  process.umask(savedUmask);
});

describe.skipIf(process.platform === 'win32')('data folder permissions (issue 22, finding 3)', () => {
  it('init makes a 0755 folder 0700 and creates strongroom.db, -wal and -shm 0600 under umask 022', async () => {
    const dir = join(tempDir('strongroom-perm-'), 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const provider = new MemoryRootKeyProvider();
    const kms = await Kms.init({ dataDir: dir, provider, clock: new ManualClock(), accountId: '111122223333', log: () => {} });
    try {
      await kms.invoke('CreateKey', {});
      const files = modes(dir);
      expect(files).toContain('. 700');
      expect(files).toContain('strongroom.db 600');
      expect(files).toContain('strongroom.db-wal 600');
      expect(files).toContain('strongroom.db-shm 600');
      expect(files.filter((line) => !/ [67]00$/.test(line))).toEqual([]);
    } finally {
      kms.close();
    }
  });

  it('init under umask 000 into a 0777 folder still creates nothing others can read', async () => {
    process.umask(0o000);
    const dir = tempDir('strongroom-perm-');
    chmodSync(dir, 0o777);
    const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), clock: new ManualClock(), accountId: '111122223333', log: () => {} });
    try {
      await kms.invoke('CreateKey', {});
      expect(modes(dir).filter((line) => !/ [67]00$/.test(line))).toEqual([]);
    } finally {
      kms.close();
    }
  });

  it('repairs an installation found readable by others at open, and says so once', async () => {
    const dir = tempDir('strongroom-perm-');
    const provider = new MemoryRootKeyProvider();
    const clock = new ManualClock();
    (await Kms.init({ dataDir: dir, provider, clock, accountId: '111122223333', log: () => {} })).close();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'strongroom.db'), 0o644);
    writeFileSync(join(dir, 'notes.txt'), 'x', { mode: 0o644 });
    mkdirSync(join(dir, 'sub'), { mode: 0o755 });
    chmodSync(join(dir, 'sub'), 0o755);
    const lines: Array<string> = [];
    const kms = await Kms.open({ dataDir: dir, clock, providerForKind: () => provider, log: (m) => lines.push(m) });
    kms.close();
    expect(modes(dir).filter((line) => !/ [67]00$/.test(line))).toEqual([]);
    expect(modeOf(join(dir, 'sub'))).toBe(0o700);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/readable by other users.*made private/);
    expect(lines[0]).toContain('strongroom.db');
    const quiet: Array<string> = [];
    (await Kms.open({ dataDir: dir, clock, providerForKind: () => provider, log: (m) => quiet.push(m) })).close();
    expect(quiet).toEqual([]);
    // Behind a private folder a file's own mode exposed nothing: it is tightened without a word.
    writeFileSync(join(dir, 'audit-public.pem'), 'a public key', { mode: 0o644 });
    chmodSync(join(dir, 'audit-public.pem'), 0o644);
    (await Kms.open({ dataDir: dir, clock, providerForKind: () => provider, log: (m) => quiet.push(m) })).close();
    expect(modeOf(join(dir, 'audit-public.pem'))).toBe(0o600);
    expect(quiet).toEqual([]);
  });
});
