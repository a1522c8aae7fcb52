import type { Env } from "../env";

/** The KV namespaces of the Worker (wrangler.toml `[[kv_namespaces]]`). */
export type KvName = "TOKEN_STATUS" | "REGISTRY_CACHE";

type KvWrapper = (name: KvName, kv: KVNamespace) => KVNamespace;

const unwrapped: KvWrapper = (_name, kv) => kv;
let wrapper: KvWrapper = unwrapped;

/**
 * A KV namespace of `env`, as every module that reads or writes KV gets it. Production uses the
 * binding itself; tests wrap it (`wrapKv`) to count, slow down or fail its operations, in the
 * Worker and in every Durable Object of the isolate alike.
 */
export function kvOf(env: Env, name: KvName): KVNamespace {
  return wrapper(name, env[name]);
}

/** For tests: every later `kvOf` goes through `wrap`. Returns a function that restores the previous wrapper. */
export function wrapKv(wrap: KvWrapper): () => void {
  const previous = wrapper;
  wrapper = wrap;
  return () => {
    wrapper = previous;
  };
}
