"""Sends one task with Celery's own client (app.send_task) to a TaskFlow queue and prints its id as JSON.

usage: send_task.py TASK_NAME ARGS_JSON KWARGS_JSON [--countdown S] [--expires S] [--time-limit S]
                    [--soft-time-limit S] [--task-id ID] [--no-declare]

Configuration (broker, exchange, queue, queue type) comes from the environment; see taskflow_interop.py.
By default kombu declares the queue with TaskFlow's exact arguments (equivalent declare: no error);
--no-declare passes declare=[] so that nothing is declared and the queue must already exist.
"""
import argparse
import json
import sys

from taskflow_interop import EXCHANGE, QUEUE, app, taskflow_queue


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("task")
    parser.add_argument("args")
    parser.add_argument("kwargs")
    parser.add_argument("--countdown", type=float)
    parser.add_argument("--expires", type=float)
    parser.add_argument("--time-limit", type=float)
    parser.add_argument("--soft-time-limit", type=float)
    parser.add_argument("--task-id")
    parser.add_argument("--no-declare", action="store_true")
    options = parser.parse_args()

    extra = {}
    if options.countdown is not None:
        extra["countdown"] = options.countdown
    if options.expires is not None:
        extra["expires"] = options.expires
    if options.time_limit is not None:
        extra["time_limit"] = options.time_limit
    if options.soft_time_limit is not None:
        extra["soft_time_limit"] = options.soft_time_limit
    if options.task_id:
        extra["task_id"] = options.task_id
    if options.no_declare:
        extra["declare"] = []

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=3)
        result = app.send_task(
            options.task,
            args=json.loads(options.args),
            kwargs=json.loads(options.kwargs),
            queue=taskflow_queue(),
            # Through TaskFlow's exchange, as TaskFlow itself publishes (without exchange and routing_key
            # Celery 5.2 publishes a direct-exchange queue's tasks to the default exchange instead).
            exchange=EXCHANGE,
            routing_key=QUEUE,
            connection=connection,
            **extra
        )
    print(json.dumps({"id": result.id}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
