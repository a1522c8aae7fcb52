import { onTestFinished } from "vitest";
import type { GrantObject } from "../../src/grant-object/grant-object";
import { grantObjectName, type GrantKey } from "../../src/grant-object/key";
import { wrapKv, type KvName } from "../../src/runtime/kv";
import { bindings } from "./oauth";

/**
 * A KV namespace that records every put per key, and can be told to fail, or to hold puts until
 * the test releases them (to order requests without sleeping).
 */
export class RecordingKv {
  readonly puts = new Map<string, number>();
  /** Reads (get calls, a bulk get counting once) so far. */
  gets = 0;
  /** The keys of those reads, in order (a bulk get's keys one after another). */
  readonly keysRead: string[] = [];
  failing = false;
  /** Puts attempted so far, held and failed ones included. */
  private started = 0;
  private readonly startWaiters: { count: number; resolve: () => void }[] = [];
  private held: { count: number; gate: Promise<void>; release(): void } | null = null;
  /** One proxy per binding object (the Worker's env and each Durable Object's env have their own). */
  private readonly proxies = new WeakMap<KVNamespace, KVNamespace>();

  /**
   * The next `count` puts wait before they reach KV until `release()` (an outage's slow writes).
   * Puts after them go through at once.
   */
  holdPuts(count: number): { release(): void } {
    this.release();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.held = { count, gate, release };
    return { release };
  }

  /** Lets every held put through (also when the recorder is removed, so no request stays stuck). */
  release(): void {
    this.held?.release();
    this.held = null;
  }

  /** Resolves once `count` puts have been attempted in all (held ones included). */
  putsStarted(count: number): Promise<void> {
    if (this.started >= count) return Promise.resolve();
    return new Promise((resolve) => this.startWaiters.push({ count, resolve }));
  }

  /** `inner` as every module of the isolate sees it while this recorder is installed. */
  wrap(inner: KVNamespace): KVNamespace {
    let proxy = this.proxies.get(inner);
    if (!proxy) {
      proxy = this.proxy(inner);
      this.proxies.set(inner, proxy);
    }
    return proxy;
  }

  private proxy(inner: KVNamespace): KVNamespace {
    return new Proxy(inner, {
      get: (target, property) => {
        if (property === "put") {
          return async (key: string, value: string, options?: KVNamespacePutOptions) => {
            this.started += 1;
            for (const waiter of this.startWaiters.filter((w) => w.count <= this.started)) {
              this.startWaiters.splice(this.startWaiters.indexOf(waiter), 1);
              waiter.resolve();
            }
            if (this.failing) throw new Error("simulated KV outage");
            if (this.held && this.held.count > 0) {
              this.held.count -= 1;
              await this.held.gate;
            }
            this.puts.set(key, (this.puts.get(key) ?? 0) + 1);
            return target.put(key, value, options);
          };
        }
        if (property === "get") {
          return (...args: Parameters<KVNamespace["get"]>) => {
            this.gets += 1;
            const [keys] = args;
            this.keysRead.push(...(Array.isArray(keys) ? keys : [keys]));
            return (target.get as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const member = Reflect.get(target, property, target) as unknown;
        return typeof member === "function" ? member.bind(target) : member;
      },
    });
  }
}

export function grantStub(key: GrantKey): DurableObjectStub<GrantObject> {
  return bindings.GRANTS.getByName(grantObjectName(key));
}

const recorders = new Map<KvName, RecordingKv>();
let unwrap: (() => void) | null = null;

/**
 * Records (and lets the test fail or hold) the puts to one KV namespace, from the Worker and from
 * every Durable Object of the isolate alike (`wrapKv`). The recorder is removed when the test
 * finishes, pass or fail, or earlier by `restore()`. Tests use keys of their own, so per-key
 * counts are the test's; `puts.size` counts every key written while the recorder is installed.
 */
export function recordKv(name: KvName): { kv: RecordingKv; restore(): void } {
  if (recorders.has(name)) throw new Error(`KV ${name} is already recorded`);
  const kv = new RecordingKv();
  recorders.set(name, kv);
  unwrap ??= wrapKv((binding, inner) => recorders.get(binding)?.wrap(inner) ?? inner);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    recorders.delete(name);
    kv.release();
    if (recorders.size === 0) {
      unwrap?.();
      unwrap = null;
    }
  };
  onTestFinished(restore);
  return { kv, restore };
}
