"""Celery side of TaskFlow's interop tests (Celery 5.2, kombu 5.2, py-amqp 5.1).

Everything comes from environment variables, so that each test can use its own exchanges and queues:

  TASKFLOW_BROKER_URL      kombu URL, default amqp://guest:guest@127.0.0.1:5672//
  TASKFLOW_EXCHANGE        RabbitMqOptions.ExchangeName            (default taskflow)
  TASKFLOW_DLX             RabbitMqOptions.DeadLetterExchangeName  (default taskflow.dlx)
  TASKFLOW_QUEUE           the TaskFlow queue name                 (default default)
  TASKFLOW_QUEUE_TYPE      quorum | classic, as RabbitMqOptions.QueueType(s) says (default quorum)
  TASKFLOW_DELIVERY_LIMIT  RabbitMqOptions.DeliveryLimit           (default 20)
  INTEROP_RECORD_FILE      where the interop.record task appends one JSON line per run

RabbitMqOptions are the RabbitMQ transport's options (UseRabbitMq, configuration section TaskFlow:RabbitMq;
see docs/configuration.md).

`taskflow_queue()` is the recipe documented in docs/protocol.md: a kombu Queue that declares exactly what
TaskFlow declares, so kombu's (and the worker's) queue.declare is equivalent and never fails with
PRECONDITION_FAILED.
"""
import json
import os
import threading
import time

from celery import Celery
from kombu import Exchange, Queue


def env(name, default):
    value = os.environ.get(name)
    return value if value else default


BROKER_URL = env("TASKFLOW_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
EXCHANGE = env("TASKFLOW_EXCHANGE", "taskflow")
DLX = env("TASKFLOW_DLX", "taskflow.dlx")
QUEUE = env("TASKFLOW_QUEUE", "default")
QUEUE_TYPE = env("TASKFLOW_QUEUE_TYPE", "quorum")
DELIVERY_LIMIT = int(env("TASKFLOW_DELIVERY_LIMIT", "20"))


def taskflow_queue_arguments(name, queue_type=QUEUE_TYPE, dlx=DLX, delivery_limit=DELIVERY_LIMIT):
    """The x-arguments TaskFlow's Topology declares for queue `name` (src/Runtime/Internal/Topology.cs)."""
    arguments = {
        "x-dead-letter-exchange": dlx,
        "x-dead-letter-routing-key": name,
    }
    if queue_type == "quorum":
        arguments.update({
            "x-queue-type": "quorum",
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        })
    elif queue_type == "classic":
        arguments["x-queue-type"] = "classic"
    else:
        raise ValueError("TASKFLOW_QUEUE_TYPE must be quorum or classic, got %r" % queue_type)
    return arguments


def taskflow_queue(name=QUEUE, exchange=EXCHANGE, queue_type=QUEUE_TYPE):
    """A kombu Queue equivalent to TaskFlow's: durable direct exchange, bound by the queue name."""
    return Queue(
        name,
        Exchange(exchange, type="direct", durable=True, auto_delete=False),
        routing_key=name,
        durable=True,
        exclusive=False,
        auto_delete=False,
        queue_arguments=taskflow_queue_arguments(name, queue_type),
    )


app = Celery("taskflow_interop", broker=BROKER_URL)
app.conf.update(
    task_protocol=2,
    task_serializer="json",
    accept_content=["json"],
    result_backend=None,
    task_ignore_result=True,
    task_queues=[taskflow_queue()],
    task_default_queue=QUEUE,
    task_default_exchange=EXCHANGE,
    task_default_exchange_type="direct",
    task_default_routing_key=QUEUE,
    task_create_missing_queues=False,
    # No pidbox queue/exchanges: each test cleans up everything it creates.
    worker_enable_remote_control=False,
    worker_send_task_events=False,
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    broker_connection_max_retries=3,
    broker_transport_options={"confirm_publish": True},
    worker_hijack_root_logger=True,
)


def _exit_with_parent():
    """Ends this worker when the test process that started it is gone (a crashed test run leaves no orphan)."""
    parent = int(os.environ["INTEROP_PARENT_PID"])
    while True:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(3)
        except PermissionError:
            pass
        time.sleep(1)


if os.environ.get("INTEROP_PARENT_PID"):
    threading.Thread(target=_exit_with_parent, name="interop-parent-watch", daemon=True).start()


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        if isinstance(value, dict):
            return {str(k): _jsonable(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [_jsonable(v) for v in value]
        return repr(value)


@app.task(name="interop.record", bind=True)
def record(self, *args, **kwargs):
    """Appends what Celery received (arguments and the whole request context) to INTEROP_RECORD_FILE."""
    request = vars(self.request)
    entry = {
        "id": self.request.id,
        "received_at": time.time(),
        "task": self.name,
        "args": _jsonable(list(args)),
        "kwargs": _jsonable(kwargs),
        "request": {k: _jsonable(v) for k, v in request.items() if k not in ("args", "kwargs")},
        "time_limits": [self.request.timelimit[0], self.request.timelimit[1]] if self.request.timelimit else None,
        # What the task sees through Context's defaults when a header is absent (vars() holds only what was sent).
        "effective": {"retries": self.request.retries, "ignore_result": self.request.ignore_result},
    }
    path = os.environ["INTEROP_RECORD_FILE"]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return None
