// Kill points for the reliability suite (test/reliability/, docs/reliability.md). A process started
// with STRONGROOM_FAULT_POINT=<point> (or <point>:<subject>, e.g. before-commit:CreateKey) sends
// itself STRONGROOM_FAULT_SIGNAL (default SIGKILL: no handler, no cleanup, as a power cut or the
// OOM killer would stop it) when it reaches that point of a write. The suite then reopens the
// installation and checks that nothing is half-written, the audit chain verifies and every
// answered call is in the log.
//
// The environment is read once, at load. Unset (every real run), faultPoint is one comparison
// with undefined: no string is built, nothing else is read.

/** The named moments of a write, in the order a write passes them. */
export type FaultPoint =
  /** A file's staging file is created, nothing written to it yet (atomic-file.ts). */
  | 'staging-opened'
  /** A staging file is complete and fsynced; it does not have the target's name yet. */
  | 'before-rename'
  /** The target has its name; the folder is not fsynced and the caller not told. */
  | 'after-rename'
  /** A backup's database snapshot is written in the data folder (backup/snapshot.ts). */
  | 'snapshot-written'
  /** A restored installation is complete in its staging folder, not yet renamed into place. */
  | 'restore-staged'
  /** A call's changes and its audit record are written; the transaction is not committed. */
  | 'before-commit'
  /** A call is committed (durable); its caller has not been answered. */
  | 'after-commit'
  /** A ceremony's steps are all done; its transcript's last write (status completed) has not begun (ceremony/runner.ts). */
  | 'ceremony-done';

const armed = process.env.STRONGROOM_FAULT_POINT === '' ? undefined : process.env.STRONGROOM_FAULT_POINT;
const signal = (process.env.STRONGROOM_FAULT_SIGNAL ?? 'SIGKILL') as NodeJS.Signals;

/** Whether this process was started with a kill point (callers skip extra work otherwise). */
export const FAULT_POINT_ARMED = armed !== undefined;

/**
 * Kills this process here if it was started with this point (any subject, or this subject). A
 * subject that costs a string to build (a file's name) is passed as a function, called only when armed.
 */
export function faultPoint(point: FaultPoint, subject?: string | (() => string)): void {
  if (armed === undefined) {
    return;
  }
  const named = typeof subject === 'function' ? subject() : subject;
  if (armed === point || (named !== undefined && armed === `${point}:${named}`)) {
    process.kill(process.pid, signal);
  }
}
