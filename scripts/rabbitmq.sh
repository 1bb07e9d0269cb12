#!/usr/bin/env bash
# Installs (Debian package rabbitmq-server) and starts a local RabbitMQ node bound to 127.0.0.1.
# Idempotent: does nothing that is already done. Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail

NODE=rabbit@localhost
log() { printf '[rabbitmq] %s\n' "$*"; }

# shellcheck source=apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

apt_ensure rabbitmq-server

# Loopback only: AMQP, management, epmd and Erlang distribution. Each file is written only when it is missing or was
# written by this script (its first line says so; files identical to what earlier versions wrote count as ours too):
# a configuration someone else wrote is kept, with a message saying what TaskFlow needs from it.
# TASKFLOW_RABBITMQ_CONFIG=overwrite replaces such files anyway (the old one is kept as FILE.taskflow-backup).
# write_config FILE COMMENT CONTENT: COMMENT is the file format's comment prefix ('#', or '%' for advanced.config).
write_config() {
  local file=$1 comment=$2 content=$3
  local marker="$comment Written by TaskFlow's scripts/rabbitmq.sh, which rewrites it: delete this line to keep your own changes."
  local wanted
  wanted=$(printf '%s\n%s' "$marker" "$content")
  if [ -f "$file" ]; then
    local current
    current=$(cat "$file")
    [ "$current" = "$wanted" ] && return 0
    if [ "$(head -n 1 "$file")" != "$marker" ] && [ "$current" != "$content" ]; then
      if [ "${TASKFLOW_RABBITMQ_CONFIG:-}" != overwrite ]; then
        log "kept $file: it was not written by this script. TaskFlow's tests and examples expect in it:"
        printf '%s\n' "$content" | sed 's/^/[rabbitmq]     /'
        log "merge that by hand, or run again with TASKFLOW_RABBITMQ_CONFIG=overwrite to replace the file (a backup is kept)"
        return 0
      fi
      cp "$file" "$file.taskflow-backup"
      log "replacing $file (TASKFLOW_RABBITMQ_CONFIG=overwrite); the old one is $file.taskflow-backup"
    fi
  fi
  printf '%s\n' "$wanted" > "$file"
}

mkdir -p /etc/rabbitmq
write_config /etc/rabbitmq/rabbitmq-env.conf '#' 'NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"'
write_config /etc/rabbitmq/rabbitmq.conf '#' 'listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
# Long tasks: TaskFlow acks after the task finishes; see docs/reliability.md.
consumer_timeout = 3600000'
# At-least-once dead-lettering (delay levels) re-sends messages it could not forward after this long;
# RabbitMQ's default of 180 s makes a delayed task ~3 min late if a level forwards during boot, before
# its dead-letter exchange is recovered (docs/reliability.md, known issue 2).
write_config /etc/rabbitmq/advanced.config '%' '[{rabbit, [{dead_letter_worker_publisher_confirm_timeout, 30000}]}].'
export ERL_EPMD_ADDRESS=127.0.0.1

if timeout 30 rabbitmqctl -n "$NODE" -q status >/dev/null 2>&1; then
  log "node $NODE already running"
else
  if [ ! -f /etc/rabbitmq/enabled_plugins ] || ! grep -q rabbitmq_management /etc/rabbitmq/enabled_plugins; then
    rabbitmq-plugins -n "$NODE" --offline enable rabbitmq_management >/dev/null
  fi
  log "starting node $NODE on 127.0.0.1:5672"
  mkdir -p /var/log/rabbitmq && chown rabbitmq:rabbitmq /var/log/rabbitmq 2>/dev/null || true
  RABBITMQ_NODENAME=$NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    setsid nohup rabbitmq-server >/var/log/rabbitmq/taskflow-start.log 2>&1 < /dev/null &
  started=no
  for _ in $(seq 1 60); do
    # await_startup fails at once until the node has registered with epmd: retry it.
    if timeout 20 rabbitmqctl -n "$NODE" await_startup --timeout 10 >/dev/null 2>&1; then started=yes; break; fi
    sleep 2
  done
  if [ "$started" != yes ]; then
    echo "[rabbitmq] node did not start; see /var/log/rabbitmq/" >&2
    tail -n 40 /var/log/rabbitmq/*.log >&2 || true
    exit 1
  fi
  log "node $NODE ready"
fi
