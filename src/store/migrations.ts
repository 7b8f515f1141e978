/**
 * Numbered schema migrations, applied in order and tracked with `PRAGMA user_version`.
 * Append only: a released migration is never edited.
 */
const bump = (table: string, event: string) =>
  `CREATE TRIGGER ${table}_${event.toLowerCase()}_bump AFTER ${event} ON ${table}
   BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'registry_version'; END;`;

export const MIGRATIONS: readonly string[] = [
  // 1: providers, tools (parameters as a JSON column), meta with the registry version counter.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO meta (key, value) VALUES ('registry_version', '0');
  CREATE TABLE providers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    base_url TEXT,
    authentication_type TEXT NOT NULL DEFAULT 'NONE',
    api_key_location TEXT NOT NULL DEFAULT 'NONE',
    api_key_name TEXT,
    api_key_value_enc TEXT,
    is_exportable INTEGER NOT NULL DEFAULT 1,
    custom_headers_enc TEXT,
    is_dynamic_auth INTEGER NOT NULL DEFAULT 0,
    dynamic_auth_url TEXT,
    dynamic_auth_method TEXT,
    dynamic_auth_payload_enc TEXT,
    dynamic_auth_payload_type TEXT,
    dynamic_auth_payload_location TEXT,
    dynamic_auth_token_extraction_path TEXT,
    dynamic_auth_invalidation_keywords TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    kind TEXT NOT NULL DEFAULT 'http',
    tool_mode TEXT NOT NULL DEFAULT 'direct',
    user_id TEXT,
    mcp_url TEXT,
    mcp_protocol TEXT,
    mcp_command TEXT,
    mcp_args TEXT NOT NULL DEFAULT '[]',
    mcp_env_enc TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE tools (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    endpoint_path TEXT NOT NULL,
    http_method TEXT NOT NULL,
    body_payload_template TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    is_exportable INTEGER NOT NULL DEFAULT 1,
    parameters TEXT NOT NULL DEFAULT '[]',
    output_schema TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX tools_provider_id ON tools(provider_id);
  ${['providers', 'tools'].flatMap((t) => ['INSERT', 'UPDATE', 'DELETE'].map((e) => bump(t, e))).join('\n')}
  `,
  // 2: credential vaults (Qoder shape): static bearer tokens bound to an MCP server URL and protocol.
  // Credential writes bump the registry version: federated upstreams re-resolve their credential.
  `
  CREATE TABLE vaults (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE vault_credentials (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    mcp_server_url TEXT NOT NULL,
    protocol TEXT NOT NULL,
    type TEXT NOT NULL,
    access_token_enc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX vault_credentials_server ON vault_credentials(mcp_server_url, protocol);
  ${['INSERT', 'UPDATE', 'DELETE'].map((e) => bump('vault_credentials', e)).join('\n')}
  `,
  // 3: which providers POST /api/add-git-providers registered from its mcp_config (only those are
  // removed when a later mcp_config no longer lists them); server_key is the URL or "stdio:" + name.
  `
  CREATE TABLE mcp_config_servers (
    provider_id INTEGER PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE,
    server_key TEXT NOT NULL UNIQUE
  );
  `,
  // 4: each tool row carries the value of a counter (meta 'tool_seq') taken at its last change, and a
  // removed tool leaves its id in tools_removed: the registry reads only what changed since its last
  // build (reading and compiling 10,000 unchanged tools on every write stalled calls for half a second).
  `
  INSERT INTO meta (key, value) VALUES ('tool_seq', '0');
  ALTER TABLE tools ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX tools_revision ON tools(revision);
  CREATE TABLE tools_removed (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL);
  CREATE INDEX tools_removed_revision ON tools_removed(revision);
  CREATE TRIGGER tools_seq_insert AFTER INSERT ON tools BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'tool_seq';
    UPDATE tools SET revision = (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'tool_seq') WHERE id = NEW.id;
  END;
  CREATE TRIGGER tools_seq_update AFTER UPDATE OF provider_id, code, name, description, endpoint_path, http_method,
    body_payload_template, enabled, is_exportable, parameters, output_schema ON tools BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'tool_seq';
    UPDATE tools SET revision = (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'tool_seq') WHERE id = NEW.id;
  END;
  CREATE TRIGGER tools_seq_delete AFTER DELETE ON tools BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'tool_seq';
    INSERT OR REPLACE INTO tools_removed (id, revision) VALUES (OLD.id, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'tool_seq'));
  END;
  `,
  // 5: client identities (SPEC §11). A token is stored only as its SHA-256 (hex), looked up by that hash.
  // The integer id is what later per-identity rows reference (ON DELETE CASCADE); AUTOINCREMENT never
  // reuses the id of a removed client. A client write bumps the registry version, so a server notices
  // another process's `client add/remove/rotate` through the watcher it already has.
  `
  CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL,
    providers TEXT NOT NULL DEFAULT '[]',
    tools TEXT NOT NULL DEFAULT '[]',
    admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    rotated_at TEXT
  );
  CREATE UNIQUE INDEX clients_token_hash ON clients(token_hash);
  ${['INSERT', 'UPDATE', 'DELETE'].map((e) => bump('clients', e)).join('\n')}
  `,
  // 6: per-user credentials (SPEC §11). A provider's credentialMode says whose secrets a call sends; a client's
  // own secrets (a JSON object of the provider's secret fields, sealed) live here, gone with the client or the
  // provider. A write bumps the registry version: servers rebuild their in-memory index of these.
  `
  ALTER TABLE providers ADD COLUMN credential_mode TEXT NOT NULL DEFAULT 'shared';
  CREATE TABLE client_credentials (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    secrets_enc TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (client_id, provider_id)
  );
  CREATE INDEX client_credentials_provider ON client_credentials(provider_id);
  ${['INSERT', 'UPDATE', 'DELETE'].map((e) => bump('client_credentials', e)).join('\n')}
  `,
  // 7: a vault's owner (SPEC §11): the client identity whose token created it (NULL: the owner's, as every
  // vault made before). A client sees only its own; its vaults go with it. Its credentials' triggers bump
  // the registry version, so the call path's index of each client's vault tokens is read again.
  `
  ALTER TABLE vaults ADD COLUMN owner_client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE;
  CREATE INDEX vaults_owner ON vaults(owner_client_id);
  `,
  // 8: OAuth 2 providers (SPEC §11). `oauth` is the client registration without its secret (JSON); the client
  // secret is sealed apart. A client's OAuth grant is its credential (secrets_enc, written by the connect
  // callback: a write that bumps the registry version like any credential). The tokens toolwire renews by
  // itself go to `refreshed_enc`, whose update does not bump: a refresh is no change anyone must hear
  // about, so it must not rebuild the registry or send tools/list_changed to every session.
  `
  ALTER TABLE providers ADD COLUMN oauth TEXT;
  ALTER TABLE providers ADD COLUMN oauth_client_secret_enc TEXT;
  ALTER TABLE client_credentials ADD COLUMN refreshed_enc TEXT;
  DROP TRIGGER client_credentials_update_bump;
  CREATE TRIGGER client_credentials_update_bump AFTER UPDATE OF client_id, provider_id, secrets_enc ON client_credentials
   BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'registry_version'; END;
  `,
  // 9: the audit log (SPEC §12): tool calls (written in batches off the call path) and admin changes (in the
  // change's own transaction), newest first by id; kept TOOLWIRE_AUDIT_DAYS. Rate limits per provider, tool and
  // client (calls a minute; NULL: none). A provider, tool or client update bumps the registry version already.
  `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    tool TEXT,
    provider TEXT,
    outcome TEXT,
    status INTEGER,
    duration_ms REAL,
    bytes_in INTEGER,
    bytes_out INTEGER,
    arguments TEXT,
    action TEXT,
    object TEXT,
    detail TEXT
  );
  CREATE INDEX audit_log_at ON audit_log(at);
  CREATE INDEX audit_log_actor ON audit_log(actor, id);
  CREATE INDEX audit_log_tool ON audit_log(tool, id);
  ALTER TABLE providers ADD COLUMN rate_per_minute INTEGER;
  ALTER TABLE tools ADD COLUMN rate_per_minute INTEGER;
  ALTER TABLE clients ADD COLUMN rate_per_minute INTEGER;
  `,
  // 10: identities from a JWT's `sub` (SPEC §11, TOOLWIRE_OAUTH_ISSUER): the subject an identity stands for,
  // unique, null for token clients. Its name is chosen once; the subject is what a request is matched on.
  `
  ALTER TABLE clients ADD COLUMN subject TEXT;
  CREATE UNIQUE INDEX clients_subject ON clients(subject) WHERE subject IS NOT NULL;
  `,
  // 11: answers that fit an agent's context (SPEC §14): an answer budget in tokens per provider and per tool
  // (NULL: the next level's, then TOOLWIRE_MAX_RESULT_TOKENS), a tool's default projection (a JSON list of
  // JSONPaths; NULL: the whole answer), and a provider's fencing of its API's text. Updates bump already.
  `
  ALTER TABLE providers ADD COLUMN max_result_tokens INTEGER;
  ALTER TABLE providers ADD COLUMN fence_upstream_text INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tools ADD COLUMN max_result_tokens INTEGER;
  ALTER TABLE tools ADD COLUMN response_fields TEXT;
  `,
  // 12: tokens shared by every instance on one database (docs/design/postgresql.md §3): a dynamic-auth
  // provider's token, fetched once for all and sealed; times in epoch milliseconds. Not the registry: no bump.
  `
  CREATE TABLE shared_tokens (
    slot TEXT PRIMARY KEY,
    token_enc TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    refresh_at INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL
  );
  `,
  // 13: rate limits across instances (SPEC §12): each instance's count of calls let through per limited key
  // ("client:<name>", "tool:<code>", "provider:<code>") and 10-second slot (its start in epoch ms), written
  // off the call path every 200 ms; the others' sums are read back. No bump trigger: a count is no registry
  // change. Old slots are pruned by any instance.
  `
  CREATE TABLE rate_counts (
    key TEXT NOT NULL,
    instance TEXT NOT NULL,
    slot INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (key, instance, slot)
  );
  CREATE INDEX rate_counts_slot ON rate_counts(slot);
  `,
  // 14: what one process kept in memory, shared by every instance on one database (docs/design/postgresql.md
  // §3): connect tickets and web admin sessions by the SHA-256 of their secret, pending OAuth 2 sign-ins by
  // the SHA-256 of their state (the PKCE verifier sealed), the rest of cut answers (the body sealed: an API's
  // data). Times in epoch milliseconds; expired rows are pruned by the next write. Not the registry: no bump.
  `
  CREATE TABLE connect_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    client_name TEXT NOT NULL,
    client_created_at TEXT NOT NULL,
    provider_id INTEGER NOT NULL,
    provider_code TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    used_at INTEGER
  );
  CREATE INDEX connect_tickets_client ON connect_tickets(client_name, id);
  CREATE INDEX connect_tickets_expires ON connect_tickets(expires_at);
  CREATE TABLE oauth_pending (
    state_hash TEXT PRIMARY KEY,
    client_name TEXT NOT NULL,
    provider_id INTEGER NOT NULL,
    redirect_uri TEXT NOT NULL,
    verifier_enc TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE ui_sessions (
    hash TEXT PRIMARY KEY,
    who TEXT NOT NULL,
    token_enc TEXT NOT NULL,
    csrf_enc TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE kept_answers (
    handle TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    next INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    body_enc TEXT NOT NULL
  );
  CREATE INDEX kept_answers_owner ON kept_answers(owner, expires_at);
  CREATE INDEX kept_answers_expires ON kept_answers(expires_at);
  `,
];
