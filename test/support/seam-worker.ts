// A process that opens an installation with its clock `offsetDays` ahead, so the engine's
// scheduled work runs at open, and kills itself (SIGKILL, no cleanup) at the named seam — to
// prove an interrupted rotation or deletion leaves the database consistent.
// Usage: node seam-worker.ts <dataDir> <seam> <offsetDays>; passphrase from STRONGROOM_PASSPHRASE.
import { DAY_MS } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';

const [dataDir = '', seam = '', offsetDays = '0'] = process.argv.slice(2);
const passphrase = process.env.STRONGROOM_PASSPHRASE ?? '';
const kms = await Kms.open({
  dataDir,
  providerForKind: (kind) => providerForKind(kind, { passphrase: async () => passphrase }),
  clock: { now: () => Date.now() + Number(offsetDays) * DAY_MS },
  onSeam: (reached) => {
    if (reached === seam) {
      process.kill(process.pid, 'SIGKILL');
    }
  },
});
kms.close();
