import { afterEach, beforeEach } from "vitest";
import { useClock } from "../../src/runtime/clock";

/**
 * A clock for tests: it stands still at the real time it was installed and moves only when the
 * test says so. The Durable Objects run in the tests' isolate and share its modules, so the Worker
 * and every object read this clock alike.
 *
 * KV (Miniflare) keeps its own real clock: it drops records by real time, never by this one. The
 * server does not rely on that — introspection compares a record's `exp` with `now()` — so moving
 * this clock is enough to expire tokens.
 */
export interface TestClock {
  now(): number;
  /** Moves the clock `ms` milliseconds forward. */
  advance(ms: number): void;
}

/** Replaces the server's clock with a test clock; `restore` puts the previous one back. */
export function installClock(start: number = Date.now()): TestClock & { restore(): void } {
  let at = start;
  const clock: TestClock = {
    now: () => at,
    advance: (ms) => {
      if (!(ms >= 0)) throw new Error(`a clock only moves forward, not by ${ms} ms`);
      at += ms;
    },
  };
  const restore = useClock(clock);
  return { ...clock, restore };
}

/**
 * For a test file or describe block: every test gets a fresh test clock (starting at the real
 * time) before it runs, and the previous clock is restored after it, pass or fail.
 */
export function useTestClock(): TestClock {
  let current: (TestClock & { restore(): void }) | null = null;
  beforeEach(() => {
    current = installClock();
  });
  afterEach(() => {
    current?.restore();
    current = null;
  });
  const installed = (): TestClock => {
    if (!current) throw new Error("the test clock is only installed while a test runs");
    return current;
  };
  return { now: () => installed().now(), advance: (ms) => installed().advance(ms) };
}
