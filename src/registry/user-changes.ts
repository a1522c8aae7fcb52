import type { UserChanges, UserRecord } from "./user-record";

/** A user record with a PATCH applied (RFC 7644 §3.5.2): name parts merge, null removes. */
export function applyChanges(user: UserRecord, changes: UserChanges): UserRecord {
  const { password, active, name, nameParts, emails } = changes;
  const { name: currentName, emails: currentEmails, ...rest } = user;
  const baseName = name === null ? undefined : (name ?? currentName);
  const newName = nameParts ? { ...baseName, ...nameParts } : baseName;
  const newEmails = emails === null ? undefined : (emails ?? currentEmails);
  return {
    ...rest,
    ...(password ? { password } : {}),
    ...(active !== undefined ? { active } : {}),
    ...(newName ? { name: newName } : {}),
    ...(newEmails ? { emails: newEmails } : {}),
  };
}
