// What every operation handler receives: the repositories, the clock, who is calling, and the
// hooks of the pipeline (authorize, record the keys touched for the audit record). Handlers are
// synchronous so an operation's writes and its audit record share one SQLite transaction.

import type { OperationInput, OperationName, OperationOutput } from '../../shared/api/operations.ts';
import type { Caller } from './caller.ts';
import type { Clock } from './clock.ts';
import type { Scope } from './identifiers.ts';
import type { KeyRepository, KeyRow } from './store/repository.ts';

export type OperationContext = {
  readonly operation: OperationName;
  readonly repo: KeyRepository;
  readonly clock: Clock;
  readonly scope: Scope;
  readonly rootKey: Uint8Array;
  readonly caller: Caller;
  readonly requestId: string;
  /** Adds a key to the audit record's resources. Resolution calls it for every key it finds. */
  touch(key: KeyRow): void;
  /**
   * The authorization step of the pipeline: resolve → state check → authorize → act. Allows
   * everything until key policies land (their own issue); every handler already calls it with
   * the IAM action name and the key, so policy evaluation plugs in here without re-plumbing.
   */
  authorize(action: string, key: KeyRow | null): void;
};

export type Handler<N extends OperationName> = (ctx: OperationContext, input: OperationInput<N>) => OperationOutput<N>;

export type HandlerTable = { readonly [N in OperationName]: Handler<N> };
