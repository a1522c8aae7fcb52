/** How the consent page names a scope, in words a user understands. Unknown scopes are named as they are. */
const DESCRIPTIONS: Record<string, string> = {
  openid: "Know who you are (your account identifier)",
  profile: "See your name",
  email: "See your email address",
  offline_access: "Stay signed in to your account when you are not using the app",
  default: "Basic access to your account",
};

export function describeScope(scope: string): string {
  return DESCRIPTIONS[scope] ?? `Access “${scope}”`;
}
