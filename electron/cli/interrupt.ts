// What a command does when it is stopped by a signal while it writes files (issue 22): Node's
// default for SIGINT, SIGTERM and SIGHUP ends the process on the spot, leaving the staging file
// behind (for a decryption, plaintext whose signature was never checked). While `cleanup` is
// registered, such a signal runs it first and then ends the process by the same signal, so the
// shell still sees "killed by SIGINT" (exit status 130, 143, 129).

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs `work` with `cleanup` armed for the signals above; disarms it when `work` settles. */
export async function withInterruptCleanup<T>(cleanup: () => void, work: () => Promise<T>): Promise<T> {
  const handler = (signal: NodeJS.Signals): void => {
    disarm();
    try {
      cleanup();
    } finally {
      process.kill(process.pid, signal);
    }
  };
  const disarm = (): void => {
    for (const s of SIGNALS) {
      process.off(s, handler);
    }
  };
  for (const s of SIGNALS) {
    process.on(s, handler);
  }
  try {
    return await work();
  } finally {
    // A signal that arrived while the work finished synchronously (during the rename, say) waits
    // in libuv's signal pipe, read in the loop's next poll: two turns (the second's check phase
    // comes after that poll) let the handler see it, so the command ends by it instead of the
    // signal being dropped with the handler (issue 22, interrupt points).
    for (let turn = 0; turn < 2; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    disarm();
  }
}
