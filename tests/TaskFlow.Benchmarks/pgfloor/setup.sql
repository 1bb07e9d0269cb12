-- A copy of taskflow.task_state (migration 1) with 200,000 finished rows, for run.sh.
DROP SCHEMA IF EXISTS lb CASCADE; CREATE SCHEMA lb;
CREATE TABLE lb.task_state (task_id varchar(255) NOT NULL PRIMARY KEY, task_name varchar(255), queue varchar(255), state smallint NOT NULL, entity_key varchar(255), attempts integer NOT NULL DEFAULT 0, worker varchar(255), result text, error text, created_at timestamptz NOT NULL, started_at timestamptz, completed_at timestamptz, updated_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
CREATE INDEX ON lb.task_state (expires_at);
CREATE INDEX ON lb.task_state (entity_key, state) WHERE entity_key IS NOT NULL;
INSERT INTO lb.task_state SELECT gen_random_uuid()::varchar, 'bench.noop', 'bench', 10, NULL, 1, 'w', NULL, NULL, now(), now(), now(), now(), now() + interval '1 day' FROM generate_series(1,200000);
ANALYZE lb.task_state;
