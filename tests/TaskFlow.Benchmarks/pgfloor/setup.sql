-- A copy of the state store's taskflow.task_state table as the migrations leave it today (same columns, types and
-- indexes; not the optional trigram index of the argument search), with 200,000 finished rows, for run.sh.
-- TaskFlow.State.Tests' PgFloorSchemaTests checks that the part above "-- rows" still matches the real schema.
DROP SCHEMA IF EXISTS lb CASCADE;
CREATE SCHEMA lb;
CREATE TABLE lb.task_state (
    task_id          varchar(255)  NOT NULL PRIMARY KEY,
    task_name        varchar(255)  NULL,
    queue            varchar(255)  NULL,
    state            smallint      NOT NULL,
    entity_key       varchar(255)  NULL,
    attempts         integer       NOT NULL DEFAULT 0,
    worker           varchar(255)  NULL,
    result           text          NULL,
    error            text          NULL,
    created_at       timestamptz   NOT NULL,
    started_at       timestamptz   NULL,
    completed_at     timestamptz   NULL,
    updated_at       timestamptz   NOT NULL,
    expires_at       timestamptz   NOT NULL,
    progress_done    bigint        NULL,
    progress_total   bigint        NULL,
    progress_message text          NULL,
    progress_at      timestamptz   NULL,
    checkpoint_json  text          NULL,
    parent_id        varchar(255)  NULL,
    root_id          varchar(255)  NULL,
    arguments        varchar(1000) NULL,
    trace_id         varchar(32)   NULL,
    headers          text          NULL
);
CREATE INDEX ix_task_state_expires_at ON lb.task_state (expires_at);
CREATE INDEX ix_task_state_entity_key ON lb.task_state (entity_key, state) WHERE entity_key IS NOT NULL;
CREATE INDEX ix_task_state_created_at ON lb.task_state (created_at, task_id);
CREATE INDEX ix_task_state_state ON lb.task_state (state, created_at, task_id);
CREATE INDEX ix_task_state_task_name ON lb.task_state (task_name, created_at, task_id);
CREATE INDEX ix_task_state_worker ON lb.task_state (worker, state);
CREATE INDEX ix_task_state_parent_id ON lb.task_state (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX ix_task_state_root_id ON lb.task_state (root_id) WHERE root_id IS NOT NULL;
-- rows
INSERT INTO lb.task_state (task_id, task_name, queue, state, attempts, worker, created_at, started_at, completed_at, updated_at, expires_at, arguments, headers)
SELECT gen_random_uuid()::varchar, 'task_flow.benchmarks.bench_tasks.noop', 'bench.taskflow-state.b.0', 10, 1, 'vm:10141', now(), now(), now(), now(),
       now() + interval '1 day', '[45863592883071,"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]', repeat('h', 480)
FROM generate_series(1, 200000);
ANALYZE lb.task_state;
