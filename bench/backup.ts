// Backup cost (issue 11): `backup create` 3-of-5 of an installation with some keys and audit
// records, against a plain `VACUUM INTO` copy of the same database in the same run (the snapshot
// alone: what any backup must at least do); then verify and restore of that backup against the
// same baseline. Medians of a few runs; ratios, not bare times, are the result.
// Alone: `node bench/backup.ts [--quick]`; also part of `npm run bench`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Kms } from '../electron/kms/engine.ts';
import { readShareFiles, restoreBackup, verifyBackup } from '../electron/kms/backup/restore.ts';
import { MemoryRootKeyProvider } from '../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../electron/kms/store/database.ts';

function median(xs: Array<number>): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function timed(runs: number, once: (i: number) => Promise<void> | void): Promise<number> {
  const times: Array<number> = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await once(i);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

export async function backupBench(quick: boolean): Promise<void> {
  const keys = quick ? 20 : 200;
  const records = quick ? 500 : 5000;
  const runs = quick ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-backup-'));
  const provider = new MemoryRootKeyProvider();
  const kms = await Kms.init({ dataDir: join(dir, 'src'), provider });
  try {
    const ids = Array.from({ length: keys }, () => kms.invokeSync('CreateKey', {}).KeyMetadata.KeyId);
    for (let done = 0; done < records; done += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => kms.invoke('Encrypt', { KeyId: ids[i % ids.length], Plaintext: new Uint8Array(32) })));
    }
    const db = new Database(join(dir, 'src', DATABASE_FILE), { readonly: true });
    const vacuum = await timed(runs, (i) => {
      db.prepare('VACUUM INTO ?').run(join(dir, `copy-${i}.db`));
    });
    db.close();
    const files: Array<{ file: string; shares: Array<string> }> = [];
    const create = await timed(runs, async (i) => {
      const s = await kms.createBackup({ out: join(dir, `backup-${i}.srb`), shares: 5, threshold: 3 });
      files.push({ file: s.File, shares: s.Shares.map((x) => x.File) });
    });
    const pick = (i: number) => files[i % files.length] ?? { file: '', shares: [] };
    const verify = await timed(runs, async (i) => {
      const b = pick(i);
      await verifyBackup(b.file, readShareFiles([b.shares[0] ?? '', b.shares[2] ?? '', b.shares[4] ?? '']));
    });
    const restore = await timed(runs, async (i) => {
      const b = pick(i);
      await restoreBackup({ file: b.file, shares: readShareFiles(b.shares.slice(0, 3)), dataDir: join(dir, `restored-${i}`), provider });
    });
    console.log(`\nBackup (issue 11): ${keys} keys, ${records} Encrypt records; medians of ${runs} runs; baseline: VACUUM INTO of the same database (${vacuum.toFixed(1)} ms)`);
    for (const [label, ms] of [['backup create 3-of-5 (snapshot, AES-256-GCM, split, 6 files, audited)', create], ['backup verify with 3 shares (recombine, decrypt, integrity + chain check)', verify], ['backup restore with 3 shares (verify, stage, adopt key, open, audit, rename)', restore]] as const) {
      console.log(`  ${label.padEnd(78)} ${ms.toFixed(1).padStart(8)} ms ${(ms / vacuum).toFixed(1).padStart(6)} × VACUUM INTO`);
    }
  } finally {
    kms.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await backupBench(process.argv.includes('--quick'));
}
