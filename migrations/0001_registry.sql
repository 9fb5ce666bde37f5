-- The registry: workspaces, content-addressed bundles and blobs, the pack components registered from them,
-- runtime profiles, workers, events and executions. Runs unchanged on PostgreSQL 15+ and PGlite.
-- Component tables are scoped by workspace and keyed by (workspace_id, ref); ids are bigint identities,
-- except in the multica-shaped tables (workspace, runtime_profile, agent_runtime), whose ids are uuids.

create domain pack_ref as text
  check (value ~ '^[a-z][a-z0-9_-]*$');

create domain component_ref as text
  check (value ~ '^[a-z][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*$');

-- Semantic Versioning 2.0.0, strict (no leading "v", no leading zeros).
create domain semver as text
  check (value ~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?$');

create domain sha256_digest as text
  check (value ~ '^sha256:[0-9a-f]{64}$');

create domain sha256_hex as text
  check (value ~ '^[0-9a-f]{64}$');

create table workspace (
  id uuid primary key default gen_random_uuid(),
  name pack_ref not null unique,
  description text,
  created_at timestamptz not null default now()
);

insert into workspace (name, description) values ('default', 'The workspace used when none is named');

-- File bytes referenced by bundles, stored once per content.
create table blob (
  sha256 sha256_hex primary key,
  size integer not null check (size >= 0),
  bytes bytea not null,
  created_at timestamptz not null default now(),
  check (octet_length(bytes) = size)
);

-- Every registered bundle revision stays; body is the canonical JSON the digest was computed from.
create table bundle (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  revision integer not null check (revision > 0),
  digest sha256_digest not null,
  created_at timestamptz not null default now(),
  provenance jsonb not null default '{}',
  body jsonb not null,
  unique (workspace_id, revision)
);

create index bundle_digest_idx on bundle (digest);

create table pack (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref pack_ref not null,
  version semver not null,
  label text not null,
  description text,
  manifest jsonb not null default '{}',
  bundle_revision integer,
  bundle_digest sha256_digest,
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, bundle_revision) references bundle (workspace_id, revision),
  -- A pack comes from a bundle unless it was created ad hoc through the API.
  check (is_adhoc or (bundle_revision is not null and bundle_digest is not null))
);

-- Interpreters and how to run code with them (Attune's runtime). Auto-detected runtimes (auto.<name>)
-- belong to no pack; detection_config records what the worker found (binary path, version, name).
create table runtime (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref component_ref not null,
  pack_ref pack_ref,
  name text not null,
  description text,
  aliases text[] not null default '{}',
  distributions jsonb not null default '{}',
  execution_config jsonb not null default '{}',
  installation jsonb,
  auto_detected boolean not null default false,
  detection_config jsonb not null default '{}',
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check (pack_ref is null or split_part(ref, '.', 1) = pack_ref)
);

create index runtime_auto_detected_idx on runtime (auto_detected);

-- A version of a runtime; execution_config, when set, replaces the runtime's whole execution_config.
create table runtime_version (
  id bigint generated always as identity primary key,
  runtime_id bigint not null references runtime (id) on delete cascade,
  version text not null check (version <> ''),
  is_default boolean not null default false,
  execution_config jsonb,
  distributions jsonb,
  meta jsonb not null default '{}',
  available boolean not null default false,
  verified_at timestamptz,
  unique (runtime_id, version)
);

create unique index runtime_version_one_default_key on runtime_version (runtime_id) where is_default;

create table action (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref component_ref not null,
  pack_ref pack_ref not null,
  label text,
  description text,
  runtime_ref component_ref,
  entry_point text,
  param_schema jsonb,
  out_schema jsonb,
  parameter_delivery text not null default 'stdin' check (parameter_delivery in ('stdin', 'file')),
  parameter_format text not null default 'json' check (parameter_format in ('dotenv', 'json', 'yaml')),
  output_format text not null default 'text' check (output_format in ('text', 'json', 'yaml', 'jsonl')),
  runtime_version_constraint text,
  timeout_seconds integer check (timeout_seconds > 0),
  enabled boolean not null default true,
  tags text[] not null default '{}',
  workflow_ref component_ref,
  definition jsonb not null,
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check (split_part(ref, '.', 1) = pack_ref)
);

create table trigger (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref component_ref not null,
  pack_ref pack_ref not null,
  label text,
  description text,
  enabled boolean not null default true,
  param_schema jsonb,
  out_schema jsonb,
  definition jsonb not null,
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check (split_part(ref, '.', 1) = pack_ref)
);

create table sensor (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref component_ref not null,
  pack_ref pack_ref not null,
  label text,
  description text,
  runtime_ref component_ref,
  entry_point text,
  trigger_refs text[] not null default '{}',
  poll_interval_seconds integer check (poll_interval_seconds > 0),
  enabled boolean not null default true,
  param_schema jsonb,
  config jsonb not null default '{}',
  definition jsonb not null,
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check (split_part(ref, '.', 1) = pack_ref)
);

create table rule (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref component_ref not null,
  pack_ref pack_ref not null,
  label text,
  description text,
  trigger_ref component_ref not null,
  action_ref component_ref not null,
  criteria jsonb not null default '[]',
  action_params jsonb not null default '{}',
  trigger_params jsonb not null default '{}',
  enabled boolean not null default true,
  definition jsonb not null,
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check (split_part(ref, '.', 1) = pack_ref)
);

create index rule_trigger_idx on rule (workspace_id, trigger_ref) where enabled;

create table workflow (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref component_ref not null,
  pack_ref pack_ref not null,
  label text,
  description text,
  version semver,
  param_schema jsonb,
  out_schema jsonb,
  tags text[] not null default '{}',
  enabled boolean not null default true,
  definition jsonb not null,
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check (split_part(ref, '.', 1) = pack_ref)
);

create table permission_set (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  ref component_ref not null,
  pack_ref pack_ref not null,
  label text,
  description text,
  grants jsonb not null default '[]',
  is_adhoc boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check (split_part(ref, '.', 1) = pack_ref)
);

-- multica's custom runtime: a workspace-level launcher (command_name + fixed_args) for a supported
-- protocol family. Profiles declared in packs (profiles/*.yaml) also carry their ref and pack.
create table runtime_profile (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspace (id) on delete cascade,
  display_name text not null,
  protocol_family text not null constraint runtime_profile_protocol_family_check check (protocol_family in (
    'claude', 'codebuddy', 'codex', 'copilot', 'opencode', 'deveco', 'openclaw', 'hermes', 'pi', 'cursor', 'kimi',
    'reasonix', 'dsh', 'kiro', 'antigravity', 'qoder', 'qoderclicn', 'traecli', 'grok', 'qwen', 'qwenpaw', 'mcode', 'dim'
  )),
  command_name text not null,
  description text,
  fixed_args jsonb not null default '[]' check (jsonb_typeof(fixed_args) = 'array'),
  visibility text not null default 'workspace' check (visibility in ('workspace', 'private')),
  created_by uuid,
  enabled boolean not null default true,
  ref component_ref,
  pack_ref pack_ref,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, display_name),
  unique (workspace_id, ref),
  foreign key (workspace_id, pack_ref) references pack (workspace_id, ref) on delete cascade,
  check ((ref is null) = (pack_ref is null)),
  check (pack_ref is null or split_part(ref, '.', 1) = pack_ref)
);

create index runtime_profile_workspace_idx on runtime_profile (workspace_id);

-- A runtime a daemon registered: built in (profile_id null, one per provider and daemon) or from a profile
-- (one per profile and daemon), so a daemon can host the built-in codex and any codex-based profiles.
-- profile_id has no foreign key: deleting a profile removes its runtimes in the application (as multica).
create table agent_runtime (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspace (id) on delete cascade,
  daemon_id text,
  name text not null,
  custom_name text,
  runtime_mode text not null default 'local' check (runtime_mode in ('local', 'cloud')),
  provider text not null,
  status text not null default 'offline' check (status in ('online', 'offline')),
  device_info text not null default '',
  metadata jsonb not null default '{}',
  owner_id uuid,
  legacy_daemon_id text,
  visibility text not null default 'private' check (visibility in ('private', 'public')),
  profile_id uuid,
  last_seen_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index agent_runtime_workspace_daemon_provider_key
  on agent_runtime (workspace_id, daemon_id, provider) where profile_id is null;
create unique index agent_runtime_workspace_daemon_profile_key
  on agent_runtime (workspace_id, daemon_id, profile_id) where profile_id is not null;

-- Workers serve every workspace. lease_expires_at is pushed forward by heartbeats; past it, the worker
-- is presumed dead and its executions are retried or abandoned.
create table worker (
  id bigint generated always as identity primary key,
  name text not null unique check (name <> ''),
  host text not null,
  status text not null default 'active' check (status in ('active', 'inactive', 'busy', 'error')),
  capabilities jsonb not null default '{}',
  meta jsonb not null default '{}',
  last_heartbeat timestamptz,
  lease_token uuid,
  lease_expires_at timestamptz,
  registered_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Raised by sensors, timers and webhooks; immutable.
create table event (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  trigger_ref component_ref not null,
  payload jsonb not null default '{}',
  source_ref component_ref,
  created_at timestamptz not null default now()
);

create index event_trigger_idx on event (workspace_id, trigger_ref, id);

-- A rule matched an event: at most once per (rule, event).
create table enforcement (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  rule_ref component_ref not null,
  trigger_ref component_ref not null,
  event_id bigint not null references event (id) on delete cascade,
  status text not null default 'created' check (status in ('created', 'processed', 'disabled')),
  config jsonb not null default '{}',
  payload jsonb not null default '{}',
  condition text not null default 'all' check (condition in ('any', 'all')),
  conditions jsonb not null default '[]',
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  unique (rule_ref, event_id)
);

create table execution (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  action_ref component_ref not null,
  bundle_digest sha256_digest,
  runtime_ref component_ref,
  status text not null default 'requested' check (status in (
    'requested', 'scheduling', 'scheduled', 'running', 'completed', 'failed', 'cancelled', 'canceling', 'timeout', 'abandoned'
  )),
  config jsonb not null default '{}',
  result jsonb,
  worker_id bigint references worker (id) on delete set null,
  lease_expires_at timestamptz,
  attempt integer not null default 0 check (attempt >= 0),
  max_attempts integer not null default 1 check (max_attempts >= 1),
  parent_id bigint references execution (id) on delete set null,
  enforcement_id bigint references enforcement (id) on delete set null,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Workers claim the oldest requested execution with FOR UPDATE SKIP LOCKED; this index holds only those.
create index execution_claimable_idx on execution (id) where status = 'requested';
-- Expired leases of claimed executions, for the reaper.
create index execution_lease_idx on execution (lease_expires_at) where status in ('scheduling', 'scheduled', 'running');
create index execution_parent_idx on execution (parent_id) where parent_id is not null;
-- One top-level execution per enforcement.
create unique index execution_enforcement_key on execution (enforcement_id)
  where enforcement_id is not null and parent_id is null;

-- Installed agents (scarab's Agent Store): the raw manifest and where its files live.
create table agent (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspace (id) on delete cascade,
  name text not null check (name <> ''),
  version semver not null,
  runtime text not null default 'rust' check (runtime <> ''),
  manifest_yaml text not null,
  install_dir text not null,
  installed_at timestamptz not null default now(),
  unique (workspace_id, name)
);
