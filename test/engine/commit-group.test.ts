// Group commit (electron/kms/commit-group.ts): the calls made while the engine is busy commit in
// one transaction, each caller is answered only after that commit, a failing call fails alone, and
// no answered call is lost to kill -9.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CommitGroup } from '../../electron/kms/commit-group.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { PassphraseRootKeyProvider } from '../../electron/kms/rootkey/passphrase.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { newEngine, tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();

/** A commit group over a fake transaction that records what ran inside which commit. */
function recordingGroup(options: { failCommit?: boolean } = {}) {
  const commits: Array<Array<string>> = [];
  let open: Array<string> | null = null;
  const group = new CommitGroup({
    transaction: (body) => {
      open = [];
      try {
        const result = body();
        if (options.failCommit === true) {
          throw new Error('disk full');
        }
        commits.push(open);
        return result;
      } finally {
        open = null;
      }
    },
  });
  const ran = (label: string): void => {
    (open ?? (commits[commits.length] = [])).push(label);
  };
  return { group, commits, ran };
}

describe('CommitGroup', () => {
  it('runs the calls submitted in one turn in one transaction and answers them after its commit', async () => {
    const { group, commits, ran } = recordingGroup();
    const answeredAfter: Array<number> = [];
    const calls = Array.from({ length: 20 }, (_, i) =>
      group
        .submit(() => {
          ran(`call ${i}`);
          return i;
        })
        .then((v) => {
          answeredAfter.push(commits.length);
          return v;
        }),
    );
    expect(commits).toHaveLength(0); // nothing runs before the event loop turns
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(commits).toEqual([Array.from({ length: 20 }, (_, i) => `call ${i}`)]);
    expect(answeredAfter.every((n) => n === 1)).toBe(true);
  });

  it('fails a throwing call alone, and every call of a group whose commit fails', async () => {
    const ok = recordingGroup();
    const results = await Promise.allSettled([ok.group.submit(() => 1), ok.group.submit(() => { throw new Error('bad input'); }), ok.group.submit(() => 3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failing = recordingGroup({ failCommit: true });
    const lost = await Promise.allSettled([failing.group.submit(() => 1), failing.group.submit(() => 2)]);
    expect(lost.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'answered'))).toEqual(['disk full', 'disk full']);
  });

  it('runs after-commit work after the commit, and a lone call in its own transaction', async () => {
    const { group, commits, ran } = recordingGroup();
    const order: Array<string> = [];
    await Promise.all([
      group.submit((after) => {
        after?.push(() => order.push(`after, ${commits.length} commit(s) done`));
        ran('a');
      }),
      group.submit(() => ran('b')),
    ]);
    expect(order).toEqual(['after, 1 commit(s) done']);
    let alone: Array<() => void> | null | undefined;
    await group.submit((after) => {
      alone = after;
    });
    expect(alone).toBeNull(); // a lone call commits itself and does its own after-commit work
  });

  it('holds at most maxGroup calls per commit; drain() runs what waits', async () => {
    const commits: Array<number> = [];
    const group = new CommitGroup({
      maxGroup: 4,
      transaction: (body) => {
        const out = body() as Array<unknown>;
        commits.push(out.length);
        return out as never;
      },
    });
    const calls = Array.from({ length: 10 }, (_, i) => group.submit(() => i));
    expect(group.pending).toBe(10);
    group.drain();
    expect(group.pending).toBe(0);
    expect(commits).toEqual([4, 4, 2]);
    expect(await Promise.all(calls)).toHaveLength(10);
  });
});

describe('Kms.invoke commits concurrent callers together', () => {
  it('answers each concurrent caller with its own result, isolates a failure, and audits every call', async () => {
    const engine = await newEngine();
    const kms = engine.kms;
    const keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const before = kms.audit.count();
    const calls = [
      ...Array.from({ length: 40 }, (_, i) => kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([i]) })),
      kms.invoke('Encrypt', { KeyId: 'alias/no-such-alias', Plaintext: new Uint8Array([1]) }),
      kms.invoke('CreateAlias', { AliasName: 'alias/made-in-a-group', TargetKeyId: keyId }),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(41);
    const failed = settled[40];
    expect(failed?.status === 'rejected' ? (failed.reason as Error).name : '').toBe('NotFoundException');
    for (const [i, r] of settled.slice(0, 40).entries()) {
      const blob = r.status === 'fulfilled' ? (r.value as { CiphertextBlob: Uint8Array }).CiphertextBlob : new Uint8Array();
      expect([...(await kms.invoke('Decrypt', { CiphertextBlob: blob })).Plaintext]).toEqual([i]);
    }
    expect((await kms.invoke('DescribeKey', { KeyId: 'alias/made-in-a-group' })).KeyMetadata.KeyId).toBe(keyId);
    expect(kms.audit.count() - before).toBe(42 + 40 + 1);
    expect(kms.audit.verify().ok).toBe(true);
    engine.cleanup();
  });

  it('close() answers the calls already accepted instead of dropping them', async () => {
    const engine = await newEngine();
    const keyId = (await engine.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const pending = Array.from({ length: 5 }, () => engine.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array(4) }));
    engine.kms.close();
    expect((await Promise.allSettled(pending)).map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
    engine.cleanup();
  });
});

describe('kill -9 under load', () => {
  it('loses no answered call: every request id the callers heard back is in the audit log, and the chain verifies', async () => {
    const passphrase = 'group commit crash passphrase';
    const dir = tempDir('strongroom-group-crash-');
    const kms = await Kms.init({ dataDir: dir, provider: new PassphraseRootKeyProvider(async () => passphrase) });
    const keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    kms.close();
    const worker = fileURLToPath(new URL('../support/load-worker.ts', import.meta.url));
    const answered = await new Promise<Array<string>>((resolve, reject) => {
      const child = spawn(process.execPath, [worker, dir, keyId, '64'], { env: { ...process.env, STRONGROOM_PASSPHRASE: passphrase }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // Killed mid-load, once plenty of calls were answered and more are in flight.
        if (out.length > 37 * 2000 && !child.killed) {
          child.kill('SIGKILL');
        }
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(out.split('\n').filter((l) => l.length === 36)) : reject(new Error(`load worker ended without being killed: ${err}`))));
    });
    expect(answered.length).toBeGreaterThan(2000);
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    const logged = new Set((db.prepare("SELECT request_id AS id FROM audit_log WHERE event_name = 'Encrypt'").all() as Array<{ id: string }>).map((r) => r.id));
    db.close();
    expect(answered.filter((id) => !logged.has(id))).toEqual([]);
    const reopened = await Kms.open({ dataDir: dir, providerForKind: () => new PassphraseRootKeyProvider(async () => passphrase) });
    expect(reopened.audit.verify().ok).toBe(true);
    reopened.close();
  }, 60_000);
});
