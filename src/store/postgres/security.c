/* PostgreSQL roles and row-level security (issue 20, docs/scale.md "Roles" and "Row-level
 * security"): the statements that create kiln's three roles and its schema, and the ones
 * that, after every migration run, grant the two working roles their rights and put every
 * table that has a site_id column behind a policy on the bound site.
 *
 *   kiln_owner    NOLOGIN, BYPASSRLS: owns the schema `kiln` and every table in it; the
 *                 migrations run as it (SET ROLE), and only it may alter a table or its
 *                 policies. BYPASSRLS so a migration that moves rows sees all of them.
 *   kiln_admin    LOGIN, BYPASSRLS, owns nothing: the separate path for work that spans
 *                 sites (purges, the delivery engine's and the scheduler's scans, site
 *                 creation, credential lookups that find the site).
 *   kiln_runtime  LOGIN, NOBYPASSRLS, owns nothing: what serves requests. It binds the
 *                 request's site per transaction (SET LOCAL kiln.site_id = N, from
 *                 gateway_bind_site() in the backend to come); a query that forgot its site
 *                 condition sees only that site's rows, and with no site bound, none.
 *
 * The policy reads the setting with missing_ok and an empty value as NULL, so an unbound
 * transaction compares site_id with NULL and matches nothing. FORCE ROW LEVEL SECURITY
 * holds the owner to it too; only BYPASSRLS roles (owner for migrations, admin) pass. Both
 * statements are idempotent: a node runs them on every start that migrates. */
#include "store/postgres/postgres_int.h"

/* Needs a superuser (only one may create BYPASSRLS roles) unless an operator made the roles
 * and the schema already (docs/scale.md, least privilege): then every step finds its work
 * done and runs nothing that needs a privilege (CREATE SCHEMA would check the database's
 * CREATE right even with IF NOT EXISTS, ALTER ROLE needs CREATEROLE), so a migrations-only
 * login passes through it. One statement, so one transaction. */
const char pg_setup_sql[] =
    "DO $$ DECLARE r text; BEGIN"
    "  PERFORM pg_advisory_xact_lock(1802070382);" /* nodes starting at once: one sets up, the rest find it done */
    "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiln_owner') THEN"
    "    CREATE ROLE kiln_owner NOLOGIN BYPASSRLS; END IF;"
    "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiln_admin') THEN"
    "    CREATE ROLE kiln_admin LOGIN BYPASSRLS; END IF;"
    "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiln_runtime') THEN"
    "    CREATE ROLE kiln_runtime LOGIN NOBYPASSRLS; END IF;"
    "  IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'kiln') THEN"
    "    CREATE SCHEMA kiln AUTHORIZATION kiln_owner;"
    "    REVOKE ALL ON SCHEMA kiln FROM PUBLIC;"
    "    GRANT USAGE ON SCHEMA kiln TO kiln_admin, kiln_runtime;"
    "  END IF;"
    "  FOREACH r IN ARRAY ARRAY['kiln_owner', 'kiln_admin', 'kiln_runtime'] LOOP"
    "    IF NOT EXISTS (SELECT FROM pg_db_role_setting s WHERE s.setrole = r::regrole AND s.setdatabase = 0"
    "                   AND 'search_path=kiln' = ANY (s.setconfig)) THEN"
    "      EXECUTE format('ALTER ROLE %I SET search_path = kiln', r);"
    "    END IF;"
    "  END LOOP;"
    "END $$;";

/* Run as kiln_owner with search_path = kiln, in the migrations' transaction. No grant on
 * the identity columns' sequences: an insert draws from them without one (PostgreSQL checks
 * no sequence privilege for an identity default), and the backend reads new ids with
 * RETURNING, so nextval/setval stay the owner's. */
const char pg_security_sql[] =
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA kiln TO kiln_admin, kiln_runtime;"
    "REVOKE INSERT, UPDATE, DELETE ON schema_version FROM kiln_admin, kiln_runtime;"
    "DO $$ DECLARE t record; BEGIN"
    "  FOR t IN SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
    "             EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'site_isolation') AS has"
    "           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    "           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'site_id' AND NOT a.attisdropped"
    "           WHERE n.nspname = 'kiln' AND c.relkind IN ('r', 'p') LOOP"
    "    IF NOT t.relrowsecurity THEN"
    "      EXECUTE format('ALTER TABLE kiln.%I ENABLE ROW LEVEL SECURITY', t.relname); END IF;"
    "    IF NOT t.relforcerowsecurity THEN"
    "      EXECUTE format('ALTER TABLE kiln.%I FORCE ROW LEVEL SECURITY', t.relname); END IF;"
    "    IF NOT t.has THEN"
    "      EXECUTE format('CREATE POLICY site_isolation ON kiln.%I"
    "        USING (site_id = nullif(current_setting(''kiln.site_id'', true), '''')::bigint)"
    "        WITH CHECK (site_id = nullif(current_setting(''kiln.site_id'', true), '''')::bigint)', t.relname);"
    "    END IF;"
    "  END LOOP;"
    "END $$;";
