import { runInDurableObject } from "cloudflare:test";
import type { Env } from "../../src/env";
import type { GrantObject } from "../../src/grant-object/grant-object";
import type { RegistryObject } from "../../src/registry/registry-object";
import { grantObjectName, type GrantKey } from "../../src/grant-object/key";
import { bindings } from "./oauth";

/** A KV namespace that records every put per key, and can be told to fail or to be slow. */
export class RecordingKv {
  readonly puts = new Map<string, number>();
  failing = false;
  /** The next this-many puts take `delayMs` before reaching KV. */
  slowPuts = 0;
  delayMs = 0;

  constructor(private readonly inner: KVNamespace) {}

  asNamespace(): KVNamespace {
    return new Proxy(this.inner, {
      get: (target, property) => {
        if (property === "put") {
          return async (key: string, value: string, options?: KVNamespacePutOptions) => {
            if (this.failing) throw new Error("simulated KV outage");
            if (this.slowPuts > 0) {
              this.slowPuts -= 1;
              await new Promise((resolve) => setTimeout(resolve, this.delayMs));
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
