/* SQLite schema, as an ordered list of migrations compiled into the binary. Migration i
 * brings `PRAGMA user_version` from i to i+1. Append only: never edit a shipped entry.
 * Each has its PostgreSQL twin at the same index of postgres/schema.c's pg_schema[]
 * (tests/unit/test_pg_schema.c compares the two schemas).
 *
 * Every tenant table starts its primary key with site_id, so a site's rows are one
 * contiguous range and every lookup is by (site_id, ...). */
#include "store/sqlite/sqlite_int.h"

const char *const sq_schema[] = {
    /* 1: sites, users, user API tokens, projects, issues */
    "CREATE TABLE sites ("
    "  id INTEGER PRIMARY KEY,"
    "  cloud_id TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL UNIQUE,"
    "  admin_account_id TEXT NOT NULL,"
    "  canary TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  next_project_id INTEGER NOT NULL DEFAULT 10000,"
    "  next_issue_id INTEGER NOT NULL DEFAULT 10000);"
    "CREATE TABLE users ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  account_id TEXT NOT NULL,"
    "  email TEXT NOT NULL,"
    "  display_name TEXT NOT NULL,"
    "  account_type TEXT NOT NULL,"
    "  time_zone TEXT NOT NULL,"
    "  locale TEXT NOT NULL,"
    "  active INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, account_id)) WITHOUT ROWID;"
    "CREATE TABLE user_tokens ("
    "  token_hash BLOB PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  account_id TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE projects ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  id INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  type_key TEXT NOT NULL,"
    "  lead_account_id TEXT NOT NULL,"
    "  assignee_type TEXT NOT NULL,"
    "  url TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  next_issue_num INTEGER NOT NULL DEFAULT 1,"
    "  PRIMARY KEY (site_id, id),"
    "  UNIQUE (site_id, key)) WITHOUT ROWID;"
    "CREATE INDEX projects_name ON projects(site_id, name);"
    "CREATE TABLE issues ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  id INTEGER NOT NULL,"
    "  project_id INTEGER NOT NULL,"
    "  num INTEGER NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  description_json TEXT,"
    "  issuetype_id TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  reporter_account_id TEXT NOT NULL,"
    "  assignee_account_id TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id),"
    "  UNIQUE (site_id, project_id, num),"
    "  FOREIGN KEY (site_id, project_id) REFERENCES projects(site_id, id)) WITHOUT ROWID;",

    /* 2: apps, environments, versions, installations, lifecycle events (docs/apps.md) */
    "CREATE TABLE apps ("
    "  id TEXT PRIMARY KEY," /* the UUID of ari:cloud:ecosystem::app/<uuid> */
    "  name TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE environments ("
    "  app_id TEXT NOT NULL REFERENCES apps(id),"
    "  key TEXT NOT NULL,"       /* development, staging, production, or custom */
    "  id TEXT NOT NULL UNIQUE," /* Forge's environment id (UUID) */
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (app_id, key)) WITHOUT ROWID;"
    "CREATE TABLE versions ("
    "  app_id TEXT NOT NULL,"
    "  env_key TEXT NOT NULL,"
    "  seq INTEGER NOT NULL," /* 1, 2, ... per environment: deploy order */
    "  major INTEGER NOT NULL,"
    "  minor INTEGER NOT NULL,"
    "  manifest_json TEXT NOT NULL,"
    "  major_key TEXT NOT NULL,"   /* what Forge's major-version rules compare */
    "  scopes_json TEXT NOT NULL," /* normalised permissions.scopes, what a site consents to */
    "  egress_json TEXT NOT NULL," /* normalised permissions.external */
    "  snapshot TEXT NOT NULL,"    /* directory of the immutable snapshot, relative to the data dir */
    "  snapshot_bytes INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (app_id, env_key, seq),"
    "  UNIQUE (app_id, env_key, major, minor),"
    "  FOREIGN KEY (app_id, env_key) REFERENCES environments(app_id, key)) WITHOUT ROWID;"
    "CREATE TABLE installations ("
    "  id TEXT PRIMARY KEY," /* installationId (UUID) */
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  app_id TEXT NOT NULL,"
    "  env_key TEXT NOT NULL,"
    "  installer_account_id TEXT NOT NULL,"
    "  bot_account_id TEXT NOT NULL,"
    "  major INTEGER NOT NULL,"    /* the consented major */
    "  scopes_json TEXT NOT NULL," /* consented scopes */
    "  egress_json TEXT NOT NULL," /* consented egress */
    "  removed INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  removed_ms INTEGER,"
    "  purge_after_ms INTEGER," /* removed installations' data is purged after this */
    "  purged INTEGER NOT NULL DEFAULT 0,"
    "  FOREIGN KEY (app_id, env_key) REFERENCES environments(app_id, key)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX installations_active ON installations(site_id, app_id, env_key) WHERE removed = 0;"
    "CREATE INDEX installations_app ON installations(app_id, env_key);"
    "CREATE TABLE lifecycle_events ("
    "  id INTEGER PRIMARY KEY,"
    "  installation_id TEXT NOT NULL REFERENCES installations(id),"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  event TEXT NOT NULL,"        /* avi:forge:installed:app, avi:forge:upgraded:app */
    "  payload_json TEXT NOT NULL," /* Forge's event payload */
    "  created_ms INTEGER NOT NULL,"
    "  delivered_ms INTEGER);" /* set by the runtime when delivered */
    "CREATE INDEX lifecycle_pending ON lifecycle_events(delivered_ms, id);",

    /* 3: webtrigger URLs (one per installation x module; environment via the installation) */
    "CREATE TABLE webtriggers ("
    "  id TEXT PRIMARY KEY," /* 256-bit random, hex */
    "  installation_id TEXT NOT NULL REFERENCES installations(id),"
    "  module_key TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  UNIQUE (installation_id, module_key)) WITHOUT ROWID;",

    /* 4: function logs; lifecycle delivery attempts */
    "CREATE TABLE function_logs ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL,"
    "  installation_id TEXT NOT NULL,"
    "  app_id TEXT NOT NULL,"
    "  invocation_id TEXT NOT NULL,"
    "  module_key TEXT NOT NULL,"
    "  level TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  time_ms INTEGER NOT NULL);"
    "CREATE INDEX function_logs_site ON function_logs(site_id, id);"
    "ALTER TABLE lifecycle_events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE lifecycle_events ADD COLUMN next_attempt_ms INTEGER NOT NULL DEFAULT 0;",

    /* 5: app storage (docs/kvs.md) and the key store (auth/keys.h) */
    "CREATE TABLE kvs ("
    "  site_id INTEGER NOT NULL,"
    "  installation_id TEXT NOT NULL,"
    "  kind INTEGER NOT NULL," /* 0 key-value, 1 secret, 2 custom entity */
    "  entity TEXT NOT NULL,"  /* the entity name for kind 2, else '' */
    "  key TEXT NOT NULL,"
    "  value BLOB NOT NULL," /* JSON text; for secrets the sealed bytes (auth/keys.h) */
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  expire_ms INTEGER," /* NULL: no TTL */
    "  PRIMARY KEY (site_id, installation_id, kind, entity, key)) WITHOUT ROWID;"
    "CREATE INDEX kvs_expiry ON kvs(expire_ms) WHERE expire_ms IS NOT NULL;"
    "CREATE TABLE keys ("
    "  id TEXT PRIMARY KEY," /* 128-bit random, hex */
    "  purpose TEXT NOT NULL,"
    "  wrapped BLOB NOT NULL," /* nonce | AES-256-GCM(master key, data key) | tag */
    "  created_ms INTEGER NOT NULL,"
    "  retired_ms INTEGER) WITHOUT ROWID;"
    "CREATE INDEX keys_current ON keys(purpose, created_ms) WHERE retired_ms IS NULL;",

    /* 6: the audit log (journal/audit.h): append-only; rows leave only by retention */
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  time_ms INTEGER NOT NULL,"
    "  site_id INTEGER NOT NULL," /* 0: no site (a credential that bound none) */
    "  kind TEXT NOT NULL,"       /* gateway.allow, gateway.deny, app.install, token.issue, ... */
    "  plane TEXT NOT NULL,"      /* jira, proxy, webtrigger, admin */
    "  actor TEXT NOT NULL,"
    "  app_id TEXT NOT NULL,"
    "  installation_id TEXT NOT NULL,"
    "  invocation_id TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  path TEXT NOT NULL," /* without the query */
    "  status INTEGER NOT NULL,"
    "  category TEXT NOT NULL," /* x-failure-category */
    "  detail TEXT NOT NULL,"
    "  count INTEGER NOT NULL,"    /* identical allowed decisions folded into this row */
    "  last_ms INTEGER NOT NULL);" /* the last of them (time_ms: the first) */
    "CREATE INDEX audit_log_site ON audit_log(site_id, id);"
    "CREATE INDEX audit_log_time ON audit_log(time_ms);",

    /* 7: environment variables of an app environment (platform/variables.h) */
    "CREATE TABLE variables ("
    "  app_id TEXT NOT NULL,"
    "  env_key TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  encrypted INTEGER NOT NULL," /* 1: value holds sealed bytes (auth/keys.h) */
    "  value BLOB NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (app_id, env_key, key),"
    "  FOREIGN KEY (app_id, env_key) REFERENCES environments(app_id, key)) WITHOUT ROWID;",

    /* 8: app system tokens for remotes (auth/systoken.h): SHA-256 only, gone at uninstall */
    "CREATE TABLE system_tokens ("
    "  token_hash BLOB PRIMARY KEY,"
    "  installation_id TEXT NOT NULL,"
    "  site_id INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX system_tokens_installation ON system_tokens(installation_id);"
    "CREATE INDEX system_tokens_expiry ON system_tokens(expires_ms);",
    /* 9: the data-flow ledger (journal/ledger.h): append-only, rows leave only by retention;
       an environment's worker isolation (docs/runtime.md) */
    "CREATE TABLE ledger ("
    "  id INTEGER PRIMARY KEY,"
    "  time_ms INTEGER NOT NULL,"
    "  site_id INTEGER NOT NULL,"      /* whose data left: the source site */
    "  dest_site_id INTEGER NOT NULL," /* the kiln site it went to; 0: none (a client, a host) */
    "  kind TEXT NOT NULL,"            /* webtrigger.response, invoke.result, egress, remote, ... */
    "  app_id TEXT NOT NULL,"
    "  installation_id TEXT NOT NULL," /* of the invocation that carried the data */
    "  invocation_id TEXT NOT NULL,"
    "  destination TEXT NOT NULL," /* a URL without its query, or a short description */
    "  bytes INTEGER NOT NULL);"
    "CREATE INDEX ledger_site ON ledger(site_id, id);"
    /* flows into a site are few: a partial index; ids grow with time, so retention needs no
       time index (store_sqlite.c Q_LEDGER_PURGE) */
    "CREATE INDEX ledger_dest ON ledger(dest_site_id, id) WHERE dest_site_id != 0;"
    "ALTER TABLE environments ADD COLUMN isolation TEXT NOT NULL DEFAULT 'version';",
    /* 10: users' permissions on their site (product/perm.h) and users' consents to apps
       (asUser, platform/consent.h). Users that existed before keep what they could do (no
       check applied then): every project permission in every project; site admins also
       ADMINISTER. */
    "CREATE TABLE user_permissions ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  account_id TEXT NOT NULL,"
    "  project_id INTEGER NOT NULL," /* 0: global, or the permission in every project */
    "  permission TEXT NOT NULL,"
    "  PRIMARY KEY (site_id, account_id, permission, project_id)) WITHOUT ROWID;"
    "CREATE TABLE user_consents ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  app_id TEXT NOT NULL,"
    "  account_id TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, app_id, account_id)) WITHOUT ROWID;"
    "INSERT INTO user_permissions (site_id, account_id, project_id, permission) "
    "  SELECT u.site_id, u.account_id, 0, p.value FROM users u, json_each('[\"BROWSE_PROJECTS\",\"CREATE_ISSUES\","
    "\"EDIT_ISSUES\",\"ASSIGN_ISSUES\",\"ASSIGNABLE_USER\",\"TRANSITION_ISSUES\",\"MOVE_ISSUES\",\"DELETE_ISSUES\","
    "\"ADD_COMMENTS\",\"EDIT_ALL_COMMENTS\",\"DELETE_ALL_COMMENTS\",\"CREATE_ATTACHMENTS\","
    "\"DELETE_ALL_ATTACHMENTS\",\"ADMINISTER_PROJECTS\"]') p WHERE u.account_type = 'atlassian';"
    "INSERT OR IGNORE INTO user_permissions (site_id, account_id, project_id, permission) "
    "  SELECT id, admin_account_id, 0, 'ADMINISTER' FROM sites;",
    /* 11: the Jira model of issue 17 (docs/product.md). Issues are rebuilt with every
       system field a column (ids as integers, Jira's defaults: status 10000 To Do, priority
       3 Medium); the rest are tables keyed (site_id, ...). Ids other than projects' and
       issues' come from id_seq, one counter per site and kind, starting at the site's
       id_base (a demo site's range, product/demo.h). product_events is the durable,
       ordered record of every write (product/events.h). Definitions every site shares
       (statuses, categories, priorities, resolutions, issue types, link types, roles,
       workflows) are kiln's tables in C (product/model.h), not rows. */
    "ALTER TABLE sites ADD COLUMN id_base INTEGER NOT NULL DEFAULT 10000;"
    "UPDATE sites SET id_base = (SELECT coalesce(min(p.id), 10000) FROM projects p WHERE p.site_id = sites.id);"
    "CREATE TABLE id_seq ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  kind TEXT NOT NULL," /* comment, worklog, changegroup, component, version, field, link, board, sprint, ... */
    "  next INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, kind)) WITHOUT ROWID;"
    "CREATE TABLE issues_v11 ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  id INTEGER NOT NULL,"
    "  project_id INTEGER NOT NULL,"
    "  num INTEGER NOT NULL,"
    "  issuetype_id INTEGER NOT NULL,"
    "  status_id INTEGER NOT NULL,"
    "  priority_id INTEGER NOT NULL DEFAULT 3,"
    "  resolution_id INTEGER," /* NULL: unresolved */
    "  summary TEXT NOT NULL,"
    "  description_json TEXT," /* ADF (product/adf.h) */
    "  environment_json TEXT," /* ADF */
    "  reporter_account_id TEXT,"
    "  creator_account_id TEXT NOT NULL,"
    "  assignee_account_id TEXT,"
    "  parent_id INTEGER," /* a subtask's parent, an issue's epic */
    "  duedate TEXT,"      /* YYYY-MM-DD */
    "  original_estimate_s INTEGER,"
    "  remaining_estimate_s INTEGER,"
    "  time_spent_s INTEGER,"
    "  rank TEXT NOT NULL DEFAULT ''," /* agile order: byte order of these strings */
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  resolved_ms INTEGER,"
    "  status_changed_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id),"
    "  UNIQUE (site_id, project_id, num),"
    "  FOREIGN KEY (site_id, project_id) REFERENCES projects(site_id, id)) WITHOUT ROWID;"
    "INSERT INTO issues_v11 (site_id, id, project_id, num, issuetype_id, status_id, resolution_id, summary,"
    "  description_json, reporter_account_id, creator_account_id, assignee_account_id, rank, created_ms, updated_ms,"
    "  resolved_ms, status_changed_ms)"
    "  SELECT site_id, id, project_id, num, CAST(issuetype_id AS INTEGER),"
    "  CASE status WHEN 'Done' THEN 10002 WHEN 'In Progress' THEN 10001 ELSE 10000 END,"
    "  CASE status WHEN 'Done' THEN 10000 END,"
    "  summary, description_json, reporter_account_id, reporter_account_id, assignee_account_id,"
    "  printf('0|%010d:', id), created_ms, updated_ms, CASE status WHEN 'Done' THEN updated_ms END, created_ms"
    "  FROM issues;"
    "DROP TABLE issues;"
    "ALTER TABLE issues_v11 RENAME TO issues;"
    "CREATE INDEX issues_project_status ON issues(site_id, project_id, status_id, updated_ms);"
    "CREATE INDEX issues_updated ON issues(site_id, updated_ms);"
    "CREATE INDEX issues_created ON issues(site_id, created_ms);"
    "CREATE INDEX issues_assignee ON issues(site_id, assignee_account_id, updated_ms);"
    "CREATE INDEX issues_reporter ON issues(site_id, reporter_account_id);"
    "CREATE INDEX issues_parent ON issues(site_id, parent_id) WHERE parent_id IS NOT NULL;"
    "CREATE INDEX issues_rank ON issues(site_id, project_id, rank);"
    "CREATE TABLE issue_labels ("
    "  site_id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  label TEXT NOT NULL," /* Jira: no spaces, <= 255 chars, case-sensitive */
    "  PRIMARY KEY (site_id, issue_id, label)) WITHOUT ROWID;"
    "CREATE INDEX issue_labels_label ON issue_labels(site_id, label, issue_id);"
    "CREATE TABLE components ("
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  project_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  lead_account_id TEXT,"
    "  assignee_type TEXT NOT NULL DEFAULT 'PROJECT_DEFAULT',"
    "  PRIMARY KEY (site_id, id),"
    "  UNIQUE (site_id, project_id, name)) WITHOUT ROWID;"
    "CREATE TABLE versions_jira (" /* a project's versions (versions is the apps' table) */
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  project_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  released INTEGER NOT NULL DEFAULT 0,"
    "  archived INTEGER NOT NULL DEFAULT 0,"
    "  start_date TEXT,"
    "  release_date TEXT,"
    "  PRIMARY KEY (site_id, id),"
    "  UNIQUE (site_id, project_id, name)) WITHOUT ROWID;"
    "CREATE TABLE issue_components ("
    "  site_id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  component_id INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, issue_id, component_id)) WITHOUT ROWID;"
    "CREATE INDEX issue_components_c ON issue_components(site_id, component_id, issue_id);"
    "CREATE TABLE issue_versions ("
    "  site_id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL," /* 0: fixVersions, 1: versions (affects) */
    "  version_id INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, issue_id, kind, version_id)) WITHOUT ROWID;"
    "CREATE INDEX issue_versions_v ON issue_versions(site_id, version_id, kind, issue_id);"
    "CREATE TABLE fields (" /* a site's custom fields */
    "  site_id INTEGER NOT NULL,"
    "  id TEXT NOT NULL," /* customfield_NNNNN */
    "  name TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  type TEXT NOT NULL," /* string, textarea, number, date, datetime, select, multiselect, user, labels */
    "  options_json TEXT,"  /* select: [{"id":"10100","value":"..."}] */
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX fields_name ON fields(site_id, name);"
    "CREATE TABLE field_values ("
    "  site_id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  field_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL," /* 0, or the position in a multi-valued field */
    "  str TEXT,"             /* string/textarea (ADF json)/date/select option id/user */
    "  num REAL,"             /* number; date and datetime as epoch ms */
    "  PRIMARY KEY (site_id, issue_id, field_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX field_values_str ON field_values(site_id, field_id, str) WHERE str IS NOT NULL;"
    "CREATE INDEX field_values_num ON field_values(site_id, field_id, num) WHERE num IS NOT NULL;"
    "CREATE TABLE comments ("
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  author_account_id TEXT NOT NULL,"
    "  update_author_account_id TEXT NOT NULL,"
    "  body_json TEXT NOT NULL," /* ADF */
    "  visibility_json TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id)) WITHOUT ROWID;"
    "CREATE INDEX comments_issue ON comments(site_id, issue_id, created_ms, id);"
    "CREATE TABLE worklogs ("
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  author_account_id TEXT NOT NULL,"
    "  update_author_account_id TEXT NOT NULL,"
    "  comment_json TEXT," /* ADF */
    "  visibility_json TEXT,"
    "  started_ms INTEGER NOT NULL,"
    "  time_spent_s INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  deleted_ms INTEGER," /* kept for worklog/deleted; hidden from reads */
    "  PRIMARY KEY (site_id, id)) WITHOUT ROWID;"
    "CREATE INDEX worklogs_issue ON worklogs(site_id, issue_id, started_ms, id);"
    "CREATE INDEX worklogs_updated ON worklogs(site_id, updated_ms, id);"
    "CREATE TABLE changegroups ("
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  author_account_id TEXT," /* a user, or an app's bot user */
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id)) WITHOUT ROWID;"
    "CREATE INDEX changegroups_issue ON changegroups(site_id, issue_id, id);"
    "CREATE TABLE changeitems (" /* Jira's ChangeDetails */
    "  site_id INTEGER NOT NULL,"
    "  group_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  field TEXT NOT NULL,"     /* Jira's field name: status, assignee, summary, ... */
    "  fieldtype TEXT NOT NULL," /* jira, custom */
    "  field_id TEXT,"
    "  from_id TEXT, from_string TEXT,"
    "  to_id TEXT, to_string TEXT,"
    "  PRIMARY KEY (site_id, group_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX changeitems_field ON changeitems(site_id, field, group_id);"
    "CREATE TABLE entity_properties ("
    "  site_id INTEGER NOT NULL,"
    "  entity TEXT NOT NULL,"    /* issue, project, user, comment, worklog, app, ... */
    "  entity_id TEXT NOT NULL," /* the id (an app: its app id) */
    "  key TEXT NOT NULL,"
    "  value_json TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, entity, entity_id, key)) WITHOUT ROWID;"
    "CREATE TABLE project_role_actors ("
    "  site_id INTEGER NOT NULL,"
    "  project_id INTEGER NOT NULL,"
    "  role_id INTEGER NOT NULL," /* product/model.h's roles */
    "  actor_type TEXT NOT NULL," /* atlassian-user-role-actor, atlassian-group-role-actor */
    "  actor TEXT NOT NULL,"      /* account id or group name */
    "  PRIMARY KEY (site_id, project_id, role_id, actor_type, actor)) WITHOUT ROWID;"
    "CREATE INDEX project_role_actors_actor ON project_role_actors(site_id, actor, project_id);"
    "CREATE TABLE issue_links ("
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  type_id INTEGER NOT NULL,"          /* product/model.h's link types */
    "  outward_issue_id INTEGER NOT NULL," /* outward: this one 'blocks' inward */
    "  inward_issue_id INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id),"
    "  UNIQUE (site_id, outward_issue_id, inward_issue_id, type_id)) WITHOUT ROWID;"
    "CREATE INDEX issue_links_inward ON issue_links(site_id, inward_issue_id);"
    "CREATE TABLE boards ("
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  type TEXT NOT NULL," /* scrum, kanban, simple */
    "  project_id INTEGER NOT NULL,"
    "  filter_jql TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id)) WITHOUT ROWID;"
    "CREATE INDEX boards_project ON boards(site_id, project_id);"
    "CREATE TABLE sprints ("
    "  site_id INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  board_id INTEGER NOT NULL," /* originBoardId */
    "  name TEXT NOT NULL,"
    "  state TEXT NOT NULL," /* future, active, closed */
    "  goal TEXT NOT NULL DEFAULT '',"
    "  start_ms INTEGER, end_ms INTEGER, complete_ms INTEGER,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id)) WITHOUT ROWID;"
    "CREATE INDEX sprints_board ON sprints(site_id, board_id, state);"
    "CREATE TABLE issue_sprints ("
    "  site_id INTEGER NOT NULL,"
    "  issue_id INTEGER NOT NULL,"
    "  sprint_id INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, issue_id, sprint_id)) WITHOUT ROWID;"
    "CREATE INDEX issue_sprints_sprint ON issue_sprints(site_id, sprint_id, issue_id);"
    "CREATE TABLE devops_entities (" /* builds, deployments, repositories an app sent */
    "  site_id INTEGER NOT NULL,"
    "  app_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"       /* build, deployment, repository */
    "  entity_key TEXT NOT NULL," /* pipelineId/buildNumber, pipeline/env/seq, repository id */
    "  update_sequence INTEGER NOT NULL,"
    "  doc_json TEXT NOT NULL," /* the entity as the app sent it */
    "  properties_json TEXT,"   /* the submission's properties (bulkByProperties) */
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, app_id, kind, entity_key)) WITHOUT ROWID;"
    "CREATE TABLE devops_issue_keys ("
    "  site_id INTEGER NOT NULL,"
    "  issue_key TEXT NOT NULL,"
    "  app_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  entity_key TEXT NOT NULL,"
    "  PRIMARY KEY (site_id, issue_key, app_id, kind, entity_key)) WITHOUT ROWID;"
    "CREATE TABLE product_events ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  seq INTEGER NOT NULL," /* per site, from 1, no gaps: the order of the writes */
    "  kind TEXT NOT NULL,"   /* avi:jira:created:issue, ... (product/events.h) */
    "  created_ms INTEGER NOT NULL,"
    "  actor_account_id TEXT,"   /* the user, or the app's bot user (an app acted) */
    "  entity_id TEXT NOT NULL," /* the issue, comment, project, sprint ... id */
    "  payload_json TEXT NOT NULL,"
    "  PRIMARY KEY (site_id, seq)) WITHOUT ROWID;",
    /* 12: comments and worklogs (issue 17, product/comment.c, worklog.c): the permissions
       for one's own comments and worklogs, and for logging work, go to whoever may already
       comment (the migrated users and demo people; a new site's admin gets them from
       perm_seed_admin); the edit/delete-all worklog ones to whoever may edit/delete all
       comments. */
    "INSERT OR IGNORE INTO user_permissions (site_id, account_id, project_id, permission) "
    "  SELECT u.site_id, u.account_id, u.project_id, p.value FROM user_permissions u, "
    "  json_each('[\"EDIT_OWN_COMMENTS\",\"DELETE_OWN_COMMENTS\",\"WORK_ON_ISSUES\",\"EDIT_OWN_WORKLOGS\","
    "\"DELETE_OWN_WORKLOGS\"]') p WHERE u.permission = 'ADD_COMMENTS';"
    "INSERT OR IGNORE INTO user_permissions (site_id, account_id, project_id, permission) "
    "  SELECT site_id, account_id, project_id, 'EDIT_ALL_WORKLOGS' FROM user_permissions "
    "  WHERE permission = 'EDIT_ALL_COMMENTS';"
    "INSERT OR IGNORE INTO user_permissions (site_id, account_id, project_id, permission) "
    "  SELECT site_id, account_id, project_id, 'DELETE_ALL_WORKLOGS' FROM user_permissions "
    "  WHERE permission = 'DELETE_ALL_COMMENTS';",
    /* 13: JQL searches (store/sqlite/search.c): a project's issues by last update, the
       order of `project = X ORDER BY updated DESC` without a sort (tests/unit/test_jql_eval.c
       checks the plan) */
    "CREATE INDEX issues_project_updated ON issues(site_id, project_id, updated_ms);",
    /* 14: agile and DevOps (store/store_agile.h, store/store_devops.h): issues in the site's
     * agile order (rank neighbours), an entity's issue keys (its replacement and deletion) */
    "CREATE INDEX issues_site_rank ON issues(site_id, rank);"
    "CREATE INDEX devops_issue_keys_entity ON devops_issue_keys(site_id, app_id, kind, entity_key);",
    /* 15: deliveries (issue 18, store/store_deliveries.h, platform/deliver.h): every event
       owed to an installation's module, with its state and attempts; and how far each
       site's product events have been fanned out. Events written before this migration
       were never promised to anyone: each site's cursor starts at its last event. */
    "CREATE TABLE deliveries ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  installation_id TEXT NOT NULL,"
    "  app_id TEXT NOT NULL,"
    "  env_key TEXT NOT NULL,"
    "  source INTEGER NOT NULL," /* enum delivery_source */
    "  module_key TEXT NOT NULL,"
    "  event_type TEXT NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  job_id TEXT,"
    "  order_key TEXT,"
    "  conc_key TEXT,"
    "  conc_limit INTEGER NOT NULL DEFAULT 0,"
    "  payload_json TEXT NOT NULL,"
    "  state INTEGER NOT NULL," /* enum delivery_state */
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  due_ms INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  source_seq INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  retry_reason TEXT,"
    "  retry_data_json TEXT);"
    "CREATE INDEX deliveries_due ON deliveries(state, due_ms) WHERE state = 0;"
    "CREATE INDEX deliveries_installation ON deliveries(installation_id, state, id);"
    "CREATE INDEX deliveries_job ON deliveries(installation_id, job_id) WHERE job_id IS NOT NULL;"
    "CREATE INDEX deliveries_running_key ON deliveries(installation_id, conc_key) WHERE state = 1;"
    "CREATE INDEX deliveries_app ON deliveries(app_id, id);"
    "CREATE INDEX deliveries_site ON deliveries(site_id, id);"
    "CREATE TABLE event_cursors ("
    "  site_id INTEGER PRIMARY KEY REFERENCES sites(id),"
    "  seq INTEGER NOT NULL);"
    "INSERT INTO event_cursors (site_id, seq) SELECT site_id, max(seq) FROM product_events GROUP BY site_id;",
    /* 16: the delivery engine (platform/deliver.h): a delivery with an order key waits for
       the earlier unfinished ones of its installation and key; one seek finds them */
    "CREATE INDEX deliveries_order ON deliveries(installation_id, order_key, id) "
    "WHERE state IN (0, 1) AND order_key IS NOT NULL;",
    /* 17: scheduled triggers (issue 18, store/store_schedules.h, platform/schedule.h): each
       active installation's scheduledTrigger modules and when each next runs */
    "CREATE TABLE schedules ("
    "  installation_id TEXT NOT NULL,"
    "  module_key TEXT NOT NULL,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  app_id TEXT NOT NULL,"
    "  env_key TEXT NOT NULL,"
    "  interval TEXT NOT NULL,"
    "  interval_ms INTEGER NOT NULL,"
    "  next_ms INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (installation_id, module_key));"
    "CREATE INDEX schedules_site ON schedules(site_id, installation_id, module_key);",
    /* 18: the delivery engine's speed (issue 18, bench/queue.mjs, bench/events_fanout.mjs):
       a pass's candidates (store_delivery_due) read from this index alone, never from the
       rows, whose columns after a large payload sit on overflow pages; an app's counts by
       state (/metrics' kiln_deliveries) from an index too */
    "CREATE INDEX deliveries_candidates ON deliveries(installation_id, id, due_ms, site_id, app_id, source, "
    "created_ms, attempts, order_key, conc_key, conc_limit) WHERE state = 0;"
    "CREATE INDEX deliveries_app_state ON deliveries(app_id, state);",
    /* 19: deliveries by state (store_delivery_list's --state listings without a table scan)
       and by last change (the retention's prune of final rows) */
    "CREATE INDEX deliveries_state ON deliveries(state, id);"
    "CREATE INDEX deliveries_final_age ON deliveries(updated_ms) WHERE state IN (2, 3, 4, 5);",
    /* 20: web sessions (issue 19, store/store_sessions.h): the web UI's sign-in sessions and
       one-time sign-in links, by the SHA-256 of their secrets */
    "CREATE TABLE sessions ("
    "  token_hash BLOB PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  account_id TEXT NOT NULL,"
    "  csrf TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  last_seen_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_expires ON sessions(expires_ms);"
    "CREATE INDEX sessions_last_seen ON sessions(last_seen_ms);"
    "CREATE TABLE login_links ("
    "  token_hash BLOB PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  account_id TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  used INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX login_links_expires ON login_links(expires_ms);",
    /* 21: evgaps (issue 18, store/store_deliveries.h store_queue_chain_take): the push
       requests of each cyclic-invocation chain of an installation, so that a restart does
       not reset Forge's limit; a chain idle past the deliveries' retention is pruned */
    "CREATE TABLE queue_chains ("
    "  installation_id TEXT NOT NULL,"
    "  root TEXT NOT NULL,"
    "  pushes INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (installation_id, root)) WITHOUT ROWID;"
    "CREATE INDEX queue_chains_age ON queue_chains(updated_ms);",
    /* 22: leases (issue 20, store/store_deliveries.h, docs/scale.md "Leases"): a RUNNING
       delivery names the node running it and until when; a node renews its own and takes
       back only those whose lease expired. Rows RUNNING before this migration have no
       owner and an expired lease: the next recovery takes them back, as it always did. */
    "ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;"
    "ALTER TABLE deliveries ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX deliveries_lease ON deliveries(lease_owner, lease_until_ms) WHERE state = 1;",
    /* 23: deploy snapshots in the store (issue 20, docs/scale.md "Deploy snapshots"): each
       version's SHA-256 of its snapshot file (hex; '' for versions deployed before), and
       the snapshot's bytes in chunks of STORE_SNAPSHOT_CHUNK, keyed by the versions row's
       snapshot path. PostgreSQL writes the chunks with the version; SQLite keeps the file
       in the data dir and leaves this table empty. Global: no site's data. */
    "ALTER TABLE versions ADD COLUMN snapshot_sha256 TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX versions_snapshot ON versions(snapshot);"
    "CREATE TABLE snapshot_chunks ("
    "  snapshot TEXT NOT NULL,"
    "  idx INTEGER NOT NULL,"
    "  bytes BLOB NOT NULL,"
    "  PRIMARY KEY (snapshot, idx)) WITHOUT ROWID;",
    /* 24: ready for Citus (issue 20, docs/scale.md "Citus"): every tenant table's primary
       and unique keys lead with site_id, and a foreign key into a tenant table pairs
       site_id with site_id. Tables whose key changes are rebuilt (new, copy, drop, rename;
       children before their parent, so the foreign keys hold at every step). webtriggers
       gains site_id, its installation's. Lookups by id or token hash alone keep an index
       (not unique: Citus allows no unique key without site_id; the ids are random or from
       one counter). The rowid tables (lifecycle_events, function_logs, audit_log, ledger,
       deliveries) keep `id INTEGER PRIMARY KEY` here: PostgreSQL's key is (site_id, id)
       (docs/store.md). schedules gets its due index (store_schedule_due). */
    "CREATE TABLE installations_v24 ("
    "  id TEXT NOT NULL,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  app_id TEXT NOT NULL,"
    "  env_key TEXT NOT NULL,"
    "  installer_account_id TEXT NOT NULL,"
    "  bot_account_id TEXT NOT NULL,"
    "  major INTEGER NOT NULL,"
    "  scopes_json TEXT NOT NULL,"
    "  egress_json TEXT NOT NULL,"
    "  removed INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  removed_ms INTEGER,"
    "  purge_after_ms INTEGER,"
    "  purged INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (site_id, id),"
    "  FOREIGN KEY (app_id, env_key) REFERENCES environments(app_id, key)) WITHOUT ROWID;"
    "INSERT INTO installations_v24 SELECT id, site_id, app_id, env_key, installer_account_id, bot_account_id, major,"
    "  scopes_json, egress_json, removed, created_ms, updated_ms, removed_ms, purge_after_ms, purged FROM "
    "installations;"
    "CREATE TABLE lifecycle_events_v24 ("
    "  id INTEGER PRIMARY KEY,"
    "  installation_id TEXT NOT NULL,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  event TEXT NOT NULL,"
    "  payload_json TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  delivered_ms INTEGER,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    "  FOREIGN KEY (site_id, installation_id) REFERENCES installations_v24(site_id, id));"
    "INSERT INTO lifecycle_events_v24 SELECT id, installation_id, site_id, event, payload_json, created_ms,"
    "  delivered_ms, attempts, next_attempt_ms FROM lifecycle_events;"
    "CREATE TABLE webtriggers_v24 ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  id TEXT NOT NULL,"
    "  installation_id TEXT NOT NULL,"
    "  module_key TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, id),"
    "  UNIQUE (site_id, installation_id, module_key),"
    "  FOREIGN KEY (site_id, installation_id) REFERENCES installations_v24(site_id, id)) WITHOUT ROWID;"
    "INSERT INTO webtriggers_v24 SELECT i.site_id, w.id, w.installation_id, w.module_key, w.created_ms"
    "  FROM webtriggers w JOIN installations i ON i.id = w.installation_id;"
    "DROP TABLE webtriggers;"
    "DROP TABLE lifecycle_events;"
    "DROP TABLE installations;"
    "ALTER TABLE installations_v24 RENAME TO installations;"
    "ALTER TABLE lifecycle_events_v24 RENAME TO lifecycle_events;"
    "ALTER TABLE webtriggers_v24 RENAME TO webtriggers;"
    "CREATE UNIQUE INDEX installations_active ON installations(site_id, app_id, env_key) WHERE removed = 0;"
    "CREATE INDEX installations_app ON installations(app_id, env_key);"
    "CREATE INDEX installations_id ON installations(id);"
    "CREATE INDEX lifecycle_pending ON lifecycle_events(delivered_ms, id);"
    "CREATE INDEX webtriggers_id ON webtriggers(id);"
    "CREATE INDEX webtriggers_installation ON webtriggers(installation_id, module_key);"
    "CREATE TABLE schedules_v24 ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  installation_id TEXT NOT NULL,"
    "  module_key TEXT NOT NULL,"
    "  app_id TEXT NOT NULL,"
    "  env_key TEXT NOT NULL,"
    "  interval TEXT NOT NULL,"
    "  interval_ms INTEGER NOT NULL,"
    "  next_ms INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, installation_id, module_key)) WITHOUT ROWID;"
    "INSERT INTO schedules_v24 SELECT site_id, installation_id, module_key, app_id, env_key, interval, interval_ms,"
    "  next_ms, created_ms FROM schedules;"
    "DROP TABLE schedules;"
    "ALTER TABLE schedules_v24 RENAME TO schedules;"
    "CREATE INDEX schedules_installation ON schedules(installation_id, module_key);"
    "CREATE INDEX schedules_due ON schedules(next_ms, installation_id, module_key);"
    "CREATE TABLE user_tokens_v24 ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  token_hash BLOB NOT NULL,"
    "  account_id TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (site_id, token_hash)) WITHOUT ROWID;"
    "INSERT INTO user_tokens_v24 SELECT site_id, token_hash, account_id, created_ms, revoked FROM user_tokens;"
    "DROP TABLE user_tokens;"
    "ALTER TABLE user_tokens_v24 RENAME TO user_tokens;"
    "CREATE INDEX user_tokens_hash ON user_tokens(token_hash);"
    "CREATE TABLE system_tokens_v24 ("
    "  site_id INTEGER NOT NULL,"
    "  token_hash BLOB NOT NULL,"
    "  installation_id TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, token_hash)) WITHOUT ROWID;"
    "INSERT INTO system_tokens_v24 SELECT site_id, token_hash, installation_id, created_ms, expires_ms"
    "  FROM system_tokens;"
    "DROP TABLE system_tokens;"
    "ALTER TABLE system_tokens_v24 RENAME TO system_tokens;"
    "CREATE INDEX system_tokens_hash ON system_tokens(token_hash);"
    "CREATE INDEX system_tokens_installation ON system_tokens(installation_id);"
    "CREATE INDEX system_tokens_expiry ON system_tokens(expires_ms);"
    "CREATE TABLE sessions_v24 ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  token_hash BLOB NOT NULL,"
    "  account_id TEXT NOT NULL,"
    "  csrf TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  last_seen_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (site_id, token_hash)) WITHOUT ROWID;"
    "INSERT INTO sessions_v24 SELECT site_id, token_hash, account_id, csrf, created_ms, expires_ms, last_seen_ms"
    "  FROM sessions;"
    "DROP TABLE sessions;"
    "ALTER TABLE sessions_v24 RENAME TO sessions;"
    "CREATE INDEX sessions_hash ON sessions(token_hash);"
    "CREATE INDEX sessions_expires ON sessions(expires_ms);"
    "CREATE INDEX sessions_last_seen ON sessions(last_seen_ms);"
    "CREATE TABLE login_links_v24 ("
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  token_hash BLOB NOT NULL,"
    "  account_id TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  used INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (site_id, token_hash)) WITHOUT ROWID;"
    "INSERT INTO login_links_v24 SELECT site_id, token_hash, account_id, created_ms, expires_ms, used FROM login_links;"
    "DROP TABLE login_links;"
    "ALTER TABLE login_links_v24 RENAME TO login_links;"
    "CREATE INDEX login_links_hash ON login_links(token_hash);"
    "CREATE INDEX login_links_expires ON login_links(expires_ms);",
};

const unsigned sq_schema_len = sizeof sq_schema / sizeof sq_schema[0];
