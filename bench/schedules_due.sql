-- The scheduled triggers' due-rows read (store_schedule_due) on PostgreSQL, before and after
-- migration 24's index (docs/scale.md "Scheduled triggers across nodes"): the schedules table
-- of migration 17 (s_old) and of migration 24 (s_new), 100,000 rows, none due. Run on a private
-- cluster: eval "$(tools/pg-cluster start)"; psql -q -f bench/schedules_due.sql; tools/pg-cluster stop "$PGHOST"
-- (PGHOST is the cluster's directory). Prints each plan's scan, buffers and execution time.
CREATE TABLE s_old (installation_id text COLLATE "C" NOT NULL, module_key text COLLATE "C" NOT NULL, site_id bigint NOT NULL, app_id text COLLATE "C" NOT NULL, env_key text COLLATE "C" NOT NULL, "interval" text COLLATE "C" NOT NULL, interval_ms bigint NOT NULL, next_ms bigint NOT NULL, created_ms bigint NOT NULL, PRIMARY KEY (installation_id, module_key));
CREATE INDEX s_old_site ON s_old(site_id, installation_id, module_key);
CREATE TABLE s_new (LIKE s_old);
ALTER TABLE s_new ADD PRIMARY KEY (site_id, installation_id, module_key);
CREATE INDEX s_new_inst ON s_new(installation_id, module_key);
CREATE INDEX s_new_due ON s_new(next_ms, installation_id, module_key);
INSERT INTO s_old SELECT md5(i::text), 'tick', i % 1000, 'app', 'production', 'hour', 3600000, 1000000000 + (i * 37) % 3600000, 1 FROM generate_series(1, 100000) i;
INSERT INTO s_new SELECT * FROM s_old;
VACUUM ANALYZE s_old; VACUUM ANALYZE s_new;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM s_old WHERE next_ms <= 1000000010
  ORDER BY next_ms, installation_id, module_key LIMIT 256;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM s_new WHERE next_ms <= 1000000010
  ORDER BY next_ms, installation_id, module_key LIMIT 256;
