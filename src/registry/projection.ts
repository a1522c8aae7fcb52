import type { Outbox } from "../store/outbox";
import type { ClientRecord } from "./client-record";
import { credentialsOf, userNameKey, type UserRecord } from "./user-record";

/**
 * The registry's read projection in the REGISTRY_CACHE KV namespace, for the token hot path:
 * `c:<client_id>` → the client record, `u:<userName, lower-cased>` → the user's credentials.
 * Written only by the registry object, through its outbox, in the transaction of the change.
 */
export const clientCacheKey = (clientId: string): string => `c:${clientId}`;
export const userCacheKey = (userName: string): string => `u:${userNameKey(userName)}`;

export class Projection {
  constructor(private readonly outbox: Outbox) {}

  putClient(client: ClientRecord): void {
    this.outbox.enqueue({ op: "put", key: clientCacheKey(client.client_id), value: JSON.stringify(client), expiresAt: null });
  }

  deleteClient(clientId: string): void {
    this.outbox.enqueue({ op: "delete", key: clientCacheKey(clientId) });
  }

  putUser(user: UserRecord): void {
    this.outbox.enqueue({ op: "put", key: userCacheKey(user.userName), value: JSON.stringify(credentialsOf(user)), expiresAt: null });
  }

  deleteUser(userName: string): void {
    this.outbox.enqueue({ op: "delete", key: userCacheKey(userName) });
  }
}
