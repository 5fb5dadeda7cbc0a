// Time is injected (docs/architecture.md, invariant 7): the engine never calls Date.now() itself,
// so rotation, deletion windows and expiry can be tested — and, in developer installations,
// time-travelled — without waiting.

export type Clock = {
  /** Milliseconds since the Unix epoch, UTC. */
  now(): number;
};

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  set(ms: number): void {
    this.#now = ms;
  }
}

export const DAY_MS = 24 * 60 * 60 * 1000;
