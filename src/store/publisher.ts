import { now } from "../runtime/clock";
import { wakeBy } from "./alarm";
import type { Outbox, QueuedWrite } from "./outbox";

/** How long to wait before retrying, by the number of failed attempts so far (1, 2, …). */
export type RetrySchedule = (attempts: number) => number;

/**
 * Takes a Durable Object's committed outbox rows to KV. Every request publishes the writes of its
 * own transaction; what fails stays queued and the object's alarm retries it (`retryPending`).
 *
 * `inCommitOrder` also orders the answers: the KV writes of different requests still run
 * concurrently, but a request answers only after every request that committed before it has
 * answered, so after a burst the token answered last is the live one (SPEC §2), and a token is
 * never handed out before its record is written. Call it right after the transaction, with no
 * await in between, so the chain follows the commits.
 *
 * This orders the *release* of answers. Local workerd then writes the HTTP responses of answers
 * released in the same turn out of order (measured under bursts: reversed runs); releasing one
 * answer per turn (a setTimeout between them) fixed the arrival order for one key but cost about
 * 30 % of a hot key's throughput at 16 connections, so it is not done (README: Reliability).
 */
export class Publisher {
  private lastAnswer: Promise<void> = Promise.resolve();

  constructor(
    private readonly outbox: Outbox,
    private readonly storage: DurableObjectStorage,
    private readonly schedule: RetrySchedule,
  ) {}

  /** Performs the writes now; a failure leaves them queued and sets the alarm. */
  async publish(writes: readonly QueuedWrite[]): Promise<void> {
    if (!(await this.outbox.flush(writes))) await this.scheduleRetry();
  }

  inCommitOrder(writes: readonly QueuedWrite[]): Promise<void> {
    const mine = Promise.all([this.publish(writes), this.lastAnswer]).then(
      () => undefined,
      () => undefined,
    );
    this.lastAnswer = mine;
    return mine;
  }

  /** The alarm: retries every queued write not owned by a running request. */
  async retryPending(): Promise<void> {
    if (!(await this.outbox.flushPending())) await this.scheduleRetry();
  }

  /**
   * Makes the alarm go off by the next retry (an earlier alarm stays; a later one, such as a
   * grant object's collection check, is brought forward); `attempts` defaults to the outbox's.
   */
  async scheduleRetry(attempts = this.outbox.maxAttempts()): Promise<void> {
    await wakeBy(this.storage, now() + this.schedule(Math.max(1, attempts)));
  }

  /**
   * Runs `step` only once every step queued before it has finished (failures included): for
   * flushes that must not overlap, such as the registry's projection, where a key is rewritten.
   * A step that throws answers `whenThrown`.
   */
  oneAtATime<T>(step: () => Promise<T>, whenThrown: T): Promise<T> {
    const mine = this.lastAnswer.then(step).catch(() => whenThrown);
    this.lastAnswer = mine.then(() => undefined);
    return mine;
  }
}

/** Backs off from 1 s to 10 min. */
export const backoff: RetrySchedule = (attempts) => {
  const delays = [1_000, 5_000, 30_000, 120_000, 600_000];
  return delays[Math.min(attempts, delays.length) - 1]!;
};
