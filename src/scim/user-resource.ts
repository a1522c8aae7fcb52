import type { UserRecord } from "../registry/user-record";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** The SCIM representation (RFC 7643 §4.1); never the password. */
export function scimUser(user: UserRecord, baseUrl: string): Record<string, unknown> & { meta: Record<string, string> & { location: string } } {
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    userName: user.userName,
    ...(user.name ? { name: user.name } : {}),
    ...(user.emails ? { emails: user.emails } : {}),
    active: user.active,
    meta: {
      resourceType: "User",
      created: user.created,
      lastModified: user.lastModified,
      location: `${baseUrl}/scim2/Users/${user.id}`,
    },
  };
}
