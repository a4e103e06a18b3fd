/**
 * First labels nobody may sign up with on a service domain: protocol words, infrastructure and
 * roles that could impersonate the operator. A short list in the spirit of the PDS's own; operators
 * extend it with the `reservedHandles` option.
 */
export const DEFAULT_RESERVED_HANDLES: readonly string[] = [
  // protocol
  'at', 'atp', 'plc', 'pds', 'did', 'repo', 'tid', 'nsid', 'xrpc', 'lex', 'lexicon', 'bsky', 'bluesky', 'handle',
  'entryway', 'relay', 'appview', 'labeler', 'ozone', 'feed', 'feeds',
  // infrastructure
  'www', 'api', 'app', 'admin', 'administrator', 'root', 'system', 'sysadmin', 'mail', 'email', 'smtp', 'imap',
  'ftp', 'dns', 'ns1', 'ns2', 'cdn', 'static', 'assets', 'status', 'staging', 'dev', 'test', 'localhost',
  'oauth', 'auth', 'login', 'logout', 'signup', 'register', 'account', 'accounts', 'settings', 'security',
  // roles
  'abuse', 'postmaster', 'hostmaster', 'webmaster', 'support', 'help', 'info', 'contact', 'official',
  'moderator', 'moderation', 'mod', 'mods', 'staff', 'team', 'legal', 'privacy', 'terms', 'noreply', 'no-reply',
]
