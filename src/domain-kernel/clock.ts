/**
 * The time port. Domain decisions take their time as `context.now` (an ISO string); the
 * application layer reads it from a Clock, so tests move time forward instead of sleeping.
 * Production uses `systemClock`; `ManualClock` is the test double (no timers of its own).
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/** The injection token of the Clock (a plain symbol: no framework in the kernel). */
export const CLOCK = Symbol('Clock');

/** A clock that stands still until told otherwise; listeners hear every move (a scheduler re-arms on them). */
export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<(now: Date) => void>();

  constructor(start: Date | string = new Date()) {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current)) throw new TypeError(`ManualClock: invalid start ${String(start)}`);
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves to `date` (backwards too, for tests of clock steps). */
  set(date: Date | string): void {
    const next = new Date(date).getTime();
    if (Number.isNaN(next)) throw new TypeError(`ManualClock.set: invalid date ${String(date)}`);
    this.current = next;
    for (const listener of [...this.listeners]) listener(this.now());
  }

  advance(ms: number): void {
    this.set(new Date(this.current + ms));
  }

  /** Calls `listener` after every move; answers the function that stops it. */
  onChange(listener: (now: Date) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Whether a clock announces its moves (ManualClock does; the system clock does not). */
export function observableClock(clock: Clock): clock is Clock & { onChange(listener: (now: Date) => void): () => void } {
  return typeof (clock as { onChange?: unknown }).onChange === 'function';
}
