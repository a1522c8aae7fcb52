/**
 * The time every decision uses, in epoch milliseconds. Production reads the system clock; tests
 * replace it with `useClock` so expiry, lockout windows and retries are tested without sleeping.
 * Durable Objects run in the same isolate as the Worker under the Workers Vitest integration, so
 * one replacement reaches both.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

let current: Clock = systemClock;

export function now(): number {
  return current.now();
}

/** For tests: every later `now()` asks `clock`. Returns a function that restores the previous one. */
export function useClock(clock: Clock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}
