// Group commit: the calls that arrive while the engine is busy are committed together.
//
// Every surface's asynchronous call (Kms.invoke: the endpoint, the bridge, in-process callers)
// joins the group being formed; the group runs at the next turn of the event loop in one SQLite
// transaction, so one fsync (synchronous=FULL) makes all of its writes and audit records durable.
// Each caller is answered only after that commit returns: nothing is answered that a power cut
// could lose. Each call still runs in its own savepoint (the pipeline's nested transaction), so a
// failing call rolls back alone and keeps its failure record. Work a call asks for after its
// commit (its table entry's afterCommit) runs after the group's commit, not inside it.
//
// setImmediate, not a microtask: a group then holds every request the event loop read in the
// same turn (sockets, IPC), and every caller that a finished group's answers woke up.

/**
 * Runs one call. In a group of several, `afterCommit` collects the work the call asks for after
 * its commit; alone (null) the call runs in its own transaction and does that work itself.
 */
export type GroupedCall<T> = (afterCommit: Array<() => void> | null) => T;

type Waiting = {
  readonly run: GroupedCall<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
};

export type CommitGroupOptions = {
  /** Runs `body` in one write transaction and commits it (durably) before returning. */
  readonly transaction: <T>(body: () => T) => T;
  /** Calls committed together at most; more wait for the next group. */
  readonly maxGroup?: number;
};

export const DEFAULT_MAX_GROUP = 256;

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export class CommitGroup {
  readonly #transaction: CommitGroupOptions['transaction'];
  readonly #maxGroup: number;
  #waiting: Array<Waiting> = [];
  #scheduled = false;

  constructor(options: CommitGroupOptions) {
    this.#transaction = options.transaction;
    this.#maxGroup = options.maxGroup ?? DEFAULT_MAX_GROUP;
  }

  /** Queues a call; resolves with its result once the group that ran it is committed. */
  submit<T>(run: GroupedCall<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flushScheduled());
      }
    });
  }

  /** How many calls wait for a group (for tests and the close path). */
  get pending(): number {
    return this.#waiting.length;
  }

  /** Runs every waiting call now, group after group (the engine's close path: no caller is left hanging). */
  drain(): void {
    while (this.#waiting.length > 0) {
      this.#runGroup();
    }
  }

  #flushScheduled(): void {
    this.#scheduled = false;
    this.#runGroup();
    if (this.#waiting.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flushScheduled());
    }
  }

  #runGroup(): void {
    const group = this.#waiting.splice(0, this.#maxGroup);
    if (group.length === 0) {
      return;
    }
    if (group.length === 1) {
      const only = group[0] as Waiting;
      const outcome = settle(() => only.run(null));
      answer(only, outcome);
      return;
    }
    const afterCommit = group.map((): Array<() => void> => []);
    let outcomes: Array<Outcome>;
    try {
      outcomes = this.#transaction(() => group.map((w, i) => settle(() => w.run(afterCommit[i] as Array<() => void>))));
    } catch (commitFailure) {
      // The group's commit itself failed (disk full, I/O error): nothing of it is durable, so no
      // call of it succeeded — each caller hears the commit's error.
      for (const w of group) {
        w.reject(commitFailure);
      }
      return;
    }
    group.forEach((w, i) => {
      const outcome = outcomes[i] as Outcome;
      const work = afterCommit[i] as Array<() => void>;
      // A call's after-commit work failing makes that call fail, as it does for a call run alone.
      answer(w, outcome.ok && work.length > 0 ? settle(() => (work.forEach((run) => run()), outcome.value)) : outcome);
    });
  }
}

function answer(w: Waiting, outcome: Outcome): void {
  if (outcome.ok) {
    w.resolve(outcome.value);
  } else {
    w.reject(outcome.error);
  }
}

function settle(run: () => unknown): Outcome {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error };
  }
}
