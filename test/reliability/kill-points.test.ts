// kill -9 at every kill point of every write surface (issue 22, "Build"): a child process
// (test/support/fault-worker.ts) runs one write with STRONGROOM_FAULT_POINT set and SIGKILLs itself
// there (electron/kms/fault-point.ts). Then the installation is reopened and checked:
// - the database's integrity_check is ok and the audit chain verifies;
// - every call the child was answered for is in the log, exactly once;
// - nothing is half-written: a write's effect exists exactly when its audit record does (for the
//   files: the output is absent, or whole and correct), never an effect without a record;
// - what a killed process cannot remove itself (a staging file, a snapshot or restore folder) is
//   removed by the next run of the same surface, or by the next open.
// Each case also requires that the child really died by SIGKILL at its point: a point that is
// never reached fails the case instead of passing it quietly.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExport, verifyExport } from '../../electron/kms/audit/export.ts';
import { withAuditLog } from '../../electron/kms/audit/read-only.ts';
import { readBackupFile } from '../../electron/kms/backup/file.ts';
import { readShareFiles, restoreBackup, verifyBackup } from '../../electron/kms/backup/restore.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { decryptFile, encryptFile } from '../../electron/kms/envelope/files.ts';
import { installationKeyring, kmsKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import type { FaultArgs, FaultSurface } from '../support/fault-worker.ts';
import { STRONGROOM_BIN } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const worker = fileURLToPath(new URL('../support/fault-worker.ts', import.meta.url));
/** Node's compile cache for the children: the engine's sources load in ~0.3 s instead of ~1.4 s. */
const COMPILE_CACHE = fileURLToPath(new URL('../../.test-tmp/compile-cache', import.meta.url));
const tempDir = tempDirsRemovedAfterAll();
const provider = new MemoryRootKeyProvider();
/** Older than atomic-file's STALE_STAGING_MS: a staging file the next run treats as a killed run's. */
const ELEVEN_MINUTES_AGO = (Date.now() - 11 * 60_000) / 1000;

type Killed = { readonly signal: NodeJS.Signals | null; readonly answered: ReadonlyArray<string>; readonly stdout: string; readonly stderr: string };

let dir: string;
let work: string;
let installationId: string;
let rootKeyHex: string;

function runKilled(surface: FaultSurface, point: string, args: FaultArgs): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, dir, surface, JSON.stringify(args)], {
      env: { ...process.env, NODE_COMPILE_CACHE: COMPILE_CACHE, STRONGROOM_FAULT_POINT: point, STRONGROOM_TEST_ROOT_KEY: rootKeyHex, STRONGROOM_TEST_INSTALLATION_ID: installationId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      const answered = stdout
        .split('\n')
        .filter((l) => l.startsWith('answered '))
        .map((l) => l.slice('answered '.length));
      resolve({ signal, answered, stdout, stderr });
    });
  });
}

const open = (dataDir = dir): Promise<Kms> => Kms.open({ dataDir, providerForKind: () => provider });

async function withEngine<T>(body: (kms: Kms) => Promise<T> | T, dataDir = dir): Promise<T> {
  const kms = await open(dataDir);
  try {
    return await body(kms);
  } finally {
    kms.close();
  }
}

/** The checks every kill gets: intact database, whole chain, every answered call logged once. */
async function expectConsistent(killed: Killed, dataDir = dir): Promise<void> {
  expect(killed.signal, `the child did not die at its kill point: ${killed.stderr}${killed.stdout}`).toBe('SIGKILL');
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
  await withEngine((kms) => {
    expect(kms.audit.verify().ok).toBe(true);
    for (const requestId of killed.answered) {
      expect(kms.audit.list({ RequestId: requestId }), `answered call ${requestId}`).toHaveLength(1);
    }
  }, dataDir);
}

/** Whether the call with this request id has a success record. */
const recorded = (kms: Kms, requestId: string): boolean => kms.audit.list({ RequestId: requestId }).some((r) => r.record.errorCode === undefined);
const eventCount = (kms: Kms, eventName: string): number => kms.audit.list({ EventName: eventName }).filter((r) => r.record.errorCode === undefined).length;
const stagingIn = (folder: string): Array<string> => readdirSync(folder).filter((n) => n.endsWith('.partial'));
const ageStaging = (folder: string): void => {
  for (const name of stagingIn(folder)) {
    utimesSync(join(folder, name), ELEVEN_MINUTES_AGO, ELEVEN_MINUTES_AGO);
  }
};
const newKey = (kms: Kms, input: Record<string, unknown> = {}): Promise<string> => kms.invoke('CreateKey', input).then((r) => r.KeyMetadata.KeyId);

beforeAll(async () => {
  dir = tempDir('strongroom-kill-');
  work = tempDir('strongroom-kill-work-');
  const kms = await Kms.init({ dataDir: dir, provider, accountId: '111122223333', region: 'local-1' });
  installationId = kms.installation.installationId;
  rootKeyHex = Buffer.from(await provider.load(installationId, '')).toString('hex');
  kms.close();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

// --- Engine writes: one SQLite transaction each, with the call's audit record ------------------

type EngineCase = {
  readonly setup: (kms: Kms) => Promise<{ keyId?: string; text?: string }>;
  /** Whether the write's effect is in the database. */
  readonly effect: (kms: Kms, given: { keyId?: string; text?: string }) => Promise<boolean>;
};

const POLICY = (tag: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: tag, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] });

const ENGINE_CASES: Record<string, EngineCase> = {
  CreateKey: {
    setup: async () => ({ text: `fault ${randomUUID()}` }),
    effect: async (kms, g) => {
      const { Keys } = await kms.invoke('ListKeys', { Limit: 1000 });
      const descriptions = await Promise.all(Keys.map(async (k) => (await kms.invoke('DescribeKey', { KeyId: k.KeyId })).KeyMetadata.Description));
      return descriptions.includes(g.text ?? '');
    },
  },
  ImportKeyMaterial: {
    setup: async (kms) => ({ keyId: await newKey(kms, { Origin: 'EXTERNAL' }) }),
    effect: async (kms, g) => (await kms.invoke('DescribeKey', { KeyId: g.keyId })).KeyMetadata.KeyState === 'Enabled',
  },
  RotateKeyOnDemand: {
    setup: async (kms) => ({ keyId: await newKey(kms) }),
    effect: async (kms, g) => (await kms.invoke('ListKeyRotations', { KeyId: g.keyId })).Rotations.length === 1,
  },
  ScheduleKeyDeletion: {
    setup: async (kms) => ({ keyId: await newKey(kms) }),
    effect: async (kms, g) => (await kms.invoke('DescribeKey', { KeyId: g.keyId })).KeyMetadata.KeyState === 'PendingDeletion',
  },
  CreateGrant: {
    setup: async (kms) => ({ keyId: await newKey(kms), text: `grant-${randomUUID()}` }),
    effect: async (kms, g) => (await kms.invoke('ListGrants', { KeyId: g.keyId })).Grants.some((grant) => grant.Name === g.text),
  },
  CreateAlias: {
    setup: async (kms) => ({ keyId: await newKey(kms), text: `alias/fault-${randomUUID()}` }),
    effect: async (kms, g) => (await kms.invoke('ListAliases', { KeyId: g.keyId })).Aliases.some((a) => a.AliasName === g.text),
  },
  PutKeyPolicy: {
    setup: async (kms) => ({ keyId: await newKey(kms), text: POLICY(`S${randomUUID().slice(0, 8)}`) }),
    effect: async (kms, g) => (await kms.invoke('GetKeyPolicy', { KeyId: g.keyId, PolicyName: 'default' })).Policy === g.text,
  },
};

describe.concurrent('kill -9 inside each engine write', () => {
  const cases = Object.keys(ENGINE_CASES).flatMap((surface) => [
    [surface, `before-commit:${surface}`, false],
    [surface, `after-commit:${surface}`, true],
  ]) as Array<[FaultSurface, string, boolean]>;

  it.each(cases)('%s killed at %s: the write and its record are both there or both absent', async (surface, point, committed) => {
    const c = ENGINE_CASES[surface] as EngineCase;
    const given = await withEngine((kms) => c.setup(kms));
    const requestId = randomUUID();
    const killed = await runKilled(surface, point, { ...given, requestId });
    await expectConsistent(killed);
    expect(killed.answered).not.toContain(requestId);
    await withEngine(async (kms) => {
      expect(recorded(kms, requestId)).toBe(committed);
      expect(await c.effect(kms, given)).toBe(committed);
    });
  });
});

// --- Files: encrypt-file and decrypt-file, staging file → rename ------------------------------

describe.concurrent('kill -9 while a file is written', () => {
  const PLAINTEXT = Buffer.from('a file that must survive any crash\n'.repeat(4000));
  let keyId: string;
  let encrypted: string;

  beforeAll(async () => {
    keyId = await withEngine((kms) => newKey(kms));
    const source = join(work, 'source.txt');
    writeFileSync(source, PLAINTEXT);
    encrypted = join(work, 'source.txt.strongroom');
    await withEngine((kms) => encryptFile(source, encrypted, { keyrings: [kmsKeyring(kms, keyId)], context: {} }));
  });

  const cases: Array<[FaultSurface, string]> = (['EncryptFile', 'DecryptFile'] as const).flatMap((s) => (['staging-opened', 'before-rename', 'after-rename'] as const).map((p): [FaultSurface, string] => [s, p]));

  it.each(cases)('%s killed at %s: the output is absent or whole; the input is untouched; the next run removes the staging file', async (surface, point) => {
    const folder = join(work, `${surface}-${point}`);
    mkdirSync(folder);
    const input = surface === 'EncryptFile' ? join(work, 'source.txt') : encrypted;
    const inputHash = createHash('sha256').update(readFileSync(input)).digest('hex');
    const output = join(folder, surface === 'EncryptFile' ? 'out.strongroom' : 'out.txt');
    const killed = await runKilled(surface, point, { keyId, requestId: randomUUID(), input, output });
    await expectConsistent(killed);
    expect(createHash('sha256').update(readFileSync(input)).digest('hex')).toBe(inputHash);

    const plaintextOf = async (file: string): Promise<Buffer> => {
      if (surface === 'DecryptFile') {
        return readFileSync(file);
      }
      const check = join(folder, 'check.txt');
      await withEngine((kms) => decryptFile(file, check, { keyrings: [installationKeyring(kms)] }));
      return readFileSync(check);
    };
    if (point === 'after-rename') {
      expect((await plaintextOf(output)).equals(PLAINTEXT)).toBe(true);
      expect(stagingIn(folder)).toEqual([]);
      return;
    }
    expect(existsSync(output)).toBe(false);
    // A killed run cannot remove its staging file; it is hidden, named for its target, private.
    const staged = stagingIn(folder);
    expect(staged).toHaveLength(1);
    expect(staged[0]).toMatch(new RegExp(`^\\.${basename(output).replace('.', '\\.')}\\.[0-9a-f]{12}\\.partial$`));
    // The next run to that target removes it once it is old enough to be a killed run's.
    ageStaging(folder);
    await withEngine((kms) =>
      surface === 'EncryptFile'
        ? encryptFile(input, output, { keyrings: [kmsKeyring(kms, keyId)], context: {} })
        : decryptFile(input, output, { keyrings: [installationKeyring(kms)] }),
    );
    expect(stagingIn(folder)).toEqual([]);
    expect((await plaintextOf(output)).equals(PLAINTEXT)).toBe(true);
  });
});

// --- Backups: snapshot, staged files, renames inside the CreateBackup record ------------------

describe('kill -9 during backup create and restore', () => {
  const backupFiles = (folder: string): Array<string> => readdirSync(folder).filter((n) => !n.endsWith('.partial')).sort();

  it.each(['snapshot-written', 'before-rename', 'after-rename', 'before-commit:CreateBackup', 'after-commit:CreateBackup'])(
    'backup create killed at %s: no backup file without its CreateBackup record, no snapshot left after the next open, the next run clears staging',
    async (point) => {
      const folder = join(work, `backup-${point.replace(':', '-')}`);
      mkdirSync(folder);
      const out = join(folder, 'b.backup');
      const before = await withEngine((kms) => eventCount(kms, 'CreateBackup'));
      const killed = await runKilled('CreateBackup', point, { requestId: randomUUID(), output: out });
      await expectConsistent(killed);
      // expectConsistent opened the installation: a killed run's snapshot (a full copy of the database) is gone.
      expect(readdirSync(dir).filter((n) => n.startsWith('.backup-snapshot-'))).toEqual([]);
      const logged = (await withEngine((kms) => eventCount(kms, 'CreateBackup'))) - before;
      const files = backupFiles(folder);
      // Never a backup the log does not know of.
      if (logged === 0) {
        expect(files).toEqual([]);
      } else {
        expect(logged).toBe(1);
      }
      // Killed while the files got their names (after the record), some have theirs: whole ones.
      const all = ['b.backup', 'b.share-1-of-2.json', 'b.share-2-of-2.json'];
      expect(all).toEqual(expect.arrayContaining(files));
      if (files.length === all.length) {
        expect((await verifyBackup(out, readShareFiles(files.slice(1).map((f) => join(folder, f))))).Intact).toBe(true);
      }
      // The next backup into the folder clears the killed run's staging files (once they are stale).
      ageStaging(folder);
      await withEngine((kms) => kms.createBackup({ out: join(folder, 'next.backup'), shares: 2, threshold: 2, shareFormat: 'json' }));
      expect(stagingIn(folder)).toEqual([]);
    },
  );

  it.each(['before-commit:RestoreBackup', 'restore-staged'])('restore killed at %s: the target stays absent, the next restore clears the staging folder', async (point) => {
    const folder = join(work, `restore-${point.replace(':', '-')}`);
    mkdirSync(folder);
    const file = join(folder, 'r.backup');
    await withEngine((kms) => kms.createBackup({ out: file, shares: 2, threshold: 2, shareFormat: 'json' }));
    const shares = readShareFiles([1, 2].map((i) => join(folder, `r.share-${i}-of-2.json`)));
    const target = join(folder, 'restored');
    const killed = await runKilled('RestoreBackup', point, { requestId: randomUUID(), input: file, output: target, shares });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(folder).filter((n) => n.startsWith('.restored.restoring-'))).toHaveLength(1);
    // The next restore into the same target removes the dead process's staging folder (a full database).
    await restoreBackup({ file, shares, dataDir: target, provider });
    expect(readdirSync(folder).filter((n) => n.startsWith('.restored.restoring-'))).toEqual([]);
    await withEngine((kms) => {
      expect(kms.audit.verify().ok).toBe(true);
      expect(eventCount(kms, 'RestoreBackup')).toBe(1);
    }, target);
  });
});

// --- Audit export: the record, then the file's name. Archive: the file named and verified, then the record with the prune ----

describe('kill -9 during audit export and archive', () => {
  const cases: Array<[FaultSurface, string]> = [
    ['ExportAuditLog', 'before-rename'],
    ['ExportAuditLog', 'after-rename'],
    ['ExportAuditLog', 'before-commit:ExportAuditLog'],
    ['ExportAuditLog', 'after-commit:ExportAuditLog'],
    ['ArchiveAuditLog', 'before-rename'],
    ['ArchiveAuditLog', 'before-commit:ArchiveAuditLog'],
    ['ArchiveAuditLog', 'after-commit:ArchiveAuditLog'],
  ];

  it.each(cases)('%s killed at %s: the file is absent or whole and verifies; no named export unrecorded; nothing pruned without its record', async (surface, point) => {
    const folder = join(work, `${surface}-${point.replace(':', '-')}`);
    mkdirSync(folder);
    const out = join(folder, 'audit.jsonl');
    const event = surface;
    const { records, events } = await withEngine((kms) => ({ records: kms.audit.count(), events: eventCount(kms, event) }));
    const killed = await runKilled(surface, point, { requestId: randomUUID(), output: out, text: new Date().toISOString() });
    await expectConsistent(killed);
    const after = await withEngine((kms) => ({ records: kms.audit.count(), events: eventCount(kms, event) }));
    const logged = after.events - events;
    expect(logged).toBeLessThanOrEqual(1);
    if (surface === 'ExportAuditLog') {
      // The record is committed before the file is named: a named export is always a recorded one.
      if (existsSync(out)) {
        expect(logged).toBe(1);
      }
    } else if (logged === 1) {
      // An archive prunes with its record, and only once its file is named and verified.
      expect(existsSync(out)).toBe(true);
    } else {
      // Nothing was pruned: the live log holds at least every record it held before (plus the warm-up).
      expect(after.records).toBeGreaterThanOrEqual(records + 1);
    }
    if (existsSync(out)) {
      expect((await verifyExport(await readExport(out))).ok).toBe(true);
    } else {
      expect(stagingIn(folder)).toHaveLength(1);
      ageStaging(folder);
      await withEngine((kms) => kms.exportAuditLog({ file: out }));
      expect(stagingIn(folder)).toEqual([]);
    }
    expect(dirname(out)).toBe(folder);
  });
});

// --- Key ceremony: `strongroom ceremony run --yes`, killed between and inside its steps --------

describe.concurrent('kill -9 during a key ceremony', () => {
  const env = { STRONGROOM_PASSPHRASE: 'ceremony kill points passphrase', STRONGROOM_AGENT: 'off' };
  let planFile: string;

  beforeAll(() => {
    // Generated custodian keys and sealed shares: the ceremony runs unattended with --yes.
    planFile = join(work, 'ceremony.json');
    writeFileSync(
      planFile,
      JSON.stringify({
        Installation: { AccountId: '123456789012', Region: 'local-1', RootKeyProvider: 'passphrase' },
        Custodians: [
          { Name: 'alice', Generate: true },
          { Name: 'bob', Generate: true },
        ],
        Keys: [{ Alias: 'alias/ceremony', KeySpec: 'SYMMETRIC_DEFAULT' }],
        Backup: { Shares: 2, Threshold: 2, ShareFormat: 'json', Assignments: [{ Index: 1, Custodian: 'alice', Seal: true }, { Index: 2, Custodian: 'bob', Seal: true }] },
      }),
    );
  });

  function ceremonyKilled(dataDir: string, outDir: string, point: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
    const share = (i: number): string => join(outDir, 'shares', `backup.share-${i}-of-2.sealed.json`);
    const args = ['ceremony', 'run', '--plan', planFile, '--out-dir', outDir, '--yes', '--reentered-share', `alice=${share(1)}`, '--reentered-share', `bob=${share(2)}`];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [STRONGROOM_BIN, ...args], {
        env: { ...process.env, NODE_COMPILE_CACHE: COMPILE_CACHE, STRONGROOM_DATA_DIR: dataDir, ...env, STRONGROOM_FAULT_POINT: point },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (_code, signal) => resolve({ signal, stderr }));
    });
  }

  /** Every file under `folder` with a final name (not a hidden staging file), relative. */
  const finalFiles = (folder: string): Array<string> =>
    readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
      .map((e) => join(e.parentPath, e.name));

  it.each([
    // The installation exists, custodians registered, the first key made; no backup yet.
    ['after-commit:CreateKey', false],
    // The backup is recorded; its files do not have their names yet.
    ['after-commit:CreateBackup', false],
    // The backup and both its shares are written and named; re-entry and the checkpoint not done.
    ['after-rename:backup.share-2-of-2.sealed.json', true],
    // Every step done and saved; the transcript's last write (status completed) not begun.
    ['ceremony-done', true],
  ] as const)('ceremony killed at %s: the database is intact, the chain verifies, no partial file under a final name', async (point, backupWritten) => {
    const folder = join(work, `ceremony-${point.replace(':', '-')}`);
    const dataDir = join(folder, 'data');
    const outDir = join(folder, 'out');
    const killed = await ceremonyKilled(dataDir, outDir, point);
    expect(killed.signal, `the ceremony did not die at its kill point: ${killed.stderr}`).toBe('SIGKILL');
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    // The chain without the root key (as an auditor would check it).
    const report = withAuditLog(dataDir, 'no installation', (log) => log.verify());
    expect(report.ok, JSON.stringify(report.problem)).toBe(true);
    // Every file under a final name is whole: written to a staging name and renamed.
    const files = finalFiles(outDir);
    expect(files.map((f) => basename(f))).toContain('transcript.json');
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (file.endsWith('.srb')) {
        expect(readBackupFile(file).header, file).toBeDefined();
      } else if (file.endsWith('.json')) {
        expect(() => JSON.parse(text) as unknown, file).not.toThrow();
      } else if (file.endsWith('.html')) {
        expect(text.trimEnd(), file).toMatch(/<\/html>$/);
      } else {
        expect(text.trimEnd(), file).toMatch(/^-----BEGIN [A-Z ]+-----\n[\s\S]+\n-----END [A-Z ]+-----$/);
      }
    }
    // The transcript on disk is the last whole one: still running, never completed.
    const transcript = JSON.parse(readFileSync(join(outDir, 'transcript.json'), 'utf8')) as { Status: string; Steps: Array<{ Name: string }> };
    expect(transcript.Status).toBe('running');
    expect(transcript.Steps.some((s) => s.Name === 'backup')).toBe(point === 'ceremony-done');
    expect(transcript.Steps.some((s) => s.Name === 'installation')).toBe(true);
    expect(files.some((f) => f.includes(`${join('shares', 'backup.share-1-of-2')}`))).toBe(backupWritten);
  });
});
