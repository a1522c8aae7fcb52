import { runInDurableObject } from "cloudflare:test";
import type { Env } from "../../src/env";
import type { GrantObject } from "../../src/grant-object/grant-object";
import type { RegistryObject } from "../../src/registry/registry-object";
import { grantObjectName, type GrantKey } from "../../src/grant-object/key";
import { bindings } from "./oauth";

/**
 * A KV namespace that records every put per key, and can be told to fail, or to hold puts until
 * the test releases them (to order requests without sleeping).
 */
export class RecordingKv {
  readonly puts = new Map<string, number>();
  failing = false;
  /** Puts attempted so far, held and failed ones included. */
  private started = 0;
  private readonly startWaiters: { count: number; resolve: () => void }[] = [];
  private held: { count: number; gate: Promise<void> } | null = null;

  constructor(private readonly inner: KVNamespace) {}

  /**
   * The next `count` puts wait before they reach KV until `release()` (an outage's slow writes).
   * Puts after them go through at once.
   */
  holdPuts(count: number): { release(): void } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.held = { count, gate };
    return { release };
  }

  /** Resolves once `count` puts have been attempted in all (held ones included). */
  putsStarted(count: number): Promise<void> {
    if (this.started >= count) return Promise.resolve();
    return new Promise((resolve) => this.startWaiters.push({ count, resolve }));
  }

  asNamespace(): KVNamespace {
    return new Proxy(this.inner, {
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
        const member = Reflect.get(target, property, target) as unknown;
        return typeof member === "function" ? member.bind(target) : member;
      },
    });
  }
}

export function grantStub(key: GrantKey): DurableObjectStub<GrantObject> {
  return bindings.GRANTS.getByName(grantObjectName(key));
}

/** Makes the registry object write its projection through the given KV. */
export async function useKvInRegistry(kv: RecordingKv): Promise<void> {
  await runInDurableObject(bindings.REGISTRY.getByName("registry"), (instance: RegistryObject) => {
    const env: Env = { ...bindings, REGISTRY_CACHE: kv.asNamespace() };
    Reflect.set(instance, "env", env);
  });
}

/** Makes the key's grant object write token status through the given KV. */
export async function useKvInGrantObject(key: GrantKey, kv: RecordingKv): Promise<void> {
  await runInDurableObject(grantStub(key), (instance: GrantObject) => {
    const env: Env = { ...bindings, TOKEN_STATUS: kv.asNamespace() };
    Reflect.set(instance, "env", env);
  });
}
