// A small tmpfs of the test's own, to fill up: a full disk on demand, without touching the
// machine's disks. Needs root (CAP_SYS_ADMIN), as CI has; elsewhere `reason` says why not, and
// the tests that need it skip saying so.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './engine.ts';

/** Writes one filler file; false once the file system is full (ENOSPC). */
function writeFiller(path: string, chunk: Buffer): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'w');
    writeSync(fd, chunk);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') {
      throw err;
    }
    return false;
  } finally {
    if (fd !== null) {
      closeSync(fd);
    }
  }
}

export type Tmpfs = { readonly dir: string; fill(): void; free(): void; unmount(): void };

/** Mounts a tmpfs of `mib` MiB on a new temp folder, or says why it cannot. */
export function mountTmpfs(mib: number): { tmpfs: Tmpfs; reason: null } | { tmpfs: null; reason: string } {
  if (process.platform !== 'linux') {
    return { tmpfs: null, reason: `mounting a tmpfs needs Linux, this is ${process.platform}` };
  }
  const dir = tempDir('strongroom-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = (r.error?.message ?? r.stderr.trim()) || `mount exited with ${r.status}`;
    return { tmpfs: null, reason: `cannot mount a tmpfs here (${why}); run as root to include the full-disk cases` };
  }
  const fillers = (): Array<string> => readdirSync(dir).filter((n) => n.startsWith('.filler-'));
  return {
    reason: null,
    tmpfs: {
      dir,
      /** Writes filler files until the file system refuses another byte. */
      fill() {
        let n = fillers().length;
        for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
          const chunk = Buffer.alloc(size, 0xa5);
          while (writeFiller(join(dir, `.filler-${n++}`), chunk)) {
            // Until this size no longer fits.
          }
        }
      },
      free() {
        for (const name of fillers()) {
          rmSync(join(dir, name), { force: true });
        }
      },
      unmount() {
        spawnSync('umount', ['-l', dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}
