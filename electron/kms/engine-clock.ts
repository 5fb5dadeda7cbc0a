// The clock an engine reads: the injected clock, plus — on a developer installation — an offset
// stored in the database that only moves forward (time travel). Another process (the CLI beside
// a running endpoint) may move it, so the offset is re-read at every call: one indexed row.

import type { Clock } from './clock.ts';
import type { DeveloperClock } from './context.ts';
import type { Db } from './store/database.ts';

export class EngineClock implements Clock, DeveloperClock {
  readonly #base: Clock;
  readonly #read: (() => number) | null;
  readonly #db: Db;
  #offsetMs = 0;

  constructor(db: Db, base: Clock, developer: boolean) {
    this.#db = db;
    this.#base = base;
    if (developer) {
      const stmt = db.prepare<[], { o: number }>('SELECT clock_offset_ms AS o FROM installation WHERE id = 1');
      this.#read = () => stmt.get()?.o ?? 0;
      this.#offsetMs = this.#read();
    } else {
      this.#read = null;
    }
  }

  readonly now = (): number => this.#base.now() + this.#offsetMs;

  /** The offset from the injected clock, as last read. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Re-reads the stored offset (another process may have moved it). */
  refresh(): void {
    if (this.#read !== null) {
      this.#offsetMs = this.#read();
    }
  }

  /** Moves the clock forward inside the caller's transaction (the AdvanceClock action checks the installation). */
  advance(ms: number): void {
    this.#db.prepare('UPDATE installation SET clock_offset_ms = clock_offset_ms + ? WHERE id = 1').run(ms);
    this.#offsetMs += ms;
  }
}
