/** Token scopes, as the PDS's verifier knows them (`packages/pds/src/auth-scope.ts`). */
export const AuthScope = {
  Access: 'com.atproto.access',
  Refresh: 'com.atproto.refresh',
  AppPass: 'com.atproto.appPass',
  AppPassPrivileged: 'com.atproto.appPassPrivileged',
  SignupQueued: 'com.atproto.signupQueued',
  Takendown: 'com.atproto.takendown',
} as const
export type AuthScope = (typeof AuthScope)[keyof typeof AuthScope]

/** Routes that need a full (password) session: app passwords are refused. */
export const ACCESS_FULL: readonly AuthScope[] = [AuthScope.Access]
/** Full sessions and privileged app passwords. */
export const ACCESS_PRIVILEGED: readonly AuthScope[] = [
  AuthScope.Access,
  AuthScope.AppPassPrivileged,
]
/** Any working session: full, privileged or plain app password. */
export const ACCESS_STANDARD: readonly AuthScope[] = [...ACCESS_PRIVILEGED, AuthScope.AppPass]

const all = new Set<string>(Object.values(AuthScope))
export function isAuthScope(v: unknown): v is AuthScope {
  return typeof v === 'string' && all.has(v)
}
