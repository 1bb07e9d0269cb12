#!/usr/bin/env bash
# TaskFlow in one command: the signup example (examples/Signup) end to end on a real RabbitMQ.
#
#   bash scripts/demo.sh            # runs the demo and stops everything it started
#   bash scripts/demo.sh --serve    # the same, then keeps the worker, the web app and its dashboard up until Ctrl+C
#
# 1. starts RabbitMQ (scripts/rabbitmq.sh installs it first if needed) and PostgreSQL (scripts/postgres.sh),
# 2. builds the example (Signup.Tasks, Signup.Worker, Signup.Web),
# 3. starts the worker and the web app in the background,
# 4. signs a user up with POST /signup: the user row and its three tasks commit in one PostgreSQL
#    transaction (TaskFlow's transactional outbox); the answer (202) comes back at once, before the welcome
#    email, the SMS and the app notification are sent,
# 5. waits until the worker log shows the three tasks done, prints those lines and a task's state
#    (GET /tasks/{id}), prints where the metrics (Prometheus format) and the traces (one trace from the request
#    to the worker's runs) can be seen, and the TaskFlow dashboard's URL (GET /taskflow/, docs/dashboard.md),
#    stops both processes (with --serve: after Ctrl+C).
#
# Exits 0 when the three tasks ran, non-zero with a message otherwise. Nothing is left running.
# Logs and the example's data: .tmp/demo/ in the repository.
#
# Settings (environment): DEMO_PORT (web app port, default 5080), DEMO_TIMEOUT (seconds to wait for the
# tasks, default 60), DEMO_CONFIGURATION (Release or Debug, default Release), TASKFLOW_URI (broker,
# default amqp://guest:guest@127.0.0.1:5672/), DEMO_SKIP_RABBITMQ=1 (use a broker that is already running),
# DEMO_SKIP_POSTGRES=1 with Signup__ConnectionString (use a PostgreSQL database that is already running),
# DEMO_WORKER_METRICS_PORT (the worker's Prometheus endpoint, default 9464).
set -euo pipefail

SERVE=0
for argument in "$@"; do
  case "$argument" in
    --serve) SERVE=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) printf 'demo: unknown argument %s (use --serve to keep the demo up until Ctrl+C)\n' "$argument" >&2; exit 2 ;;
  esac
done
SERVING=0
DEMO_STARTED=$(date +%s%3N)
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$REPO/examples/Signup"
CONFIGURATION="${DEMO_CONFIGURATION:-Release}"
PORT="${DEMO_PORT:-5080}"
BASE_URL="http://127.0.0.1:$PORT"
TIMEOUT="${DEMO_TIMEOUT:-60}"
WORK="$REPO/.tmp/demo"
LOGS="$WORK/logs"
WORKER_LOG="$LOGS/worker.log"
WEB_LOG="$LOGS/web.log"
BUILD_LOG="$LOGS/build.log"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Both processes read these (ASP.NET Core / generic host configuration from the environment).
export TaskFlow__RabbitMq__ConnectionUri="${TASKFLOW_URI:-amqp://guest:guest@127.0.0.1:5672/}"
# Telemetry (OpenTelemetry): spans printed to the logs; metrics in Prometheus format (web: /metrics, worker: port 9464).
export Telemetry__ConsoleTraces=true
WORKER_METRICS_PORT="${DEMO_WORKER_METRICS_PORT:-9464}"
export Telemetry__MetricsPort="$WORKER_METRICS_PORT"
BROKER=$(printf '%s' "$TaskFlow__RabbitMq__ConnectionUri" | sed 's#//[^@/]*@#//#') # for messages: no credentials

if [ -t 1 ]; then BOLD=$'\033[1m'; GREEN=$'\033[32m'; RED=$'\033[31m'; DIM=$'\033[2m'; RESET=$'\033[0m'
else BOLD=''; GREEN=''; RED=''; DIM=''; RESET=''; fi

step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
say() { printf '    %s\n' "$*"; }
indent() { sed 's/^/    /'; }
fail() {
  printf '\n%sdemo FAILED: %s%s\n' "$RED" "$*" "$RESET" >&2
  exit 1
}
show_log_tail() { # file, label
  if [ -s "$1" ]; then
    printf '    --- last lines of %s (%s) ---\n' "$2" "$1" >&2
    tail -n 15 "$1" | cut -c1-400 | indent >&2
  fi
}
now_ms() { date +%s%3N; }
secs_since() { # start_ms -> "1.234"
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%03d' $((d / 1000)) $((d % 1000))
}

# --- processes: everything started here is stopped on exit, whatever the exit path -------------------
WORKER_PID=''
WEB_PID=''
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
stop_process() { # pid, name: SIGTERM (graceful), then SIGKILL after 40 s
  local pid="$1" name="$2"
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.2
  done
  printf '    %s (pid %s) did not stop within 40 s; killing it\n' "$name" "$pid" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT
  stop_process "$WEB_PID" "web app"
  stop_process "$WORKER_PID" "worker"
  exit "$rc"
}
trap cleanup EXIT
trap 'if [ "$SERVING" = 1 ]; then printf "\nstopping the demo\n"; exit 0; fi; printf "\ninterrupted\n" >&2; exit 130' INT TERM

# --- prerequisites ------------------------------------------------------------------------------------
step "Checking prerequisites"
command -v dotnet >/dev/null 2>&1 ||
  fail "the .NET SDK (dotnet) is not installed; install the .NET 10 SDK (see global.json) and run again"
say "dotnet $(dotnet --version)"
if ! command -v curl >/dev/null 2>&1; then
  say "curl is missing; installing it"
  # shellcheck source=apt.sh
  source "$REPO/scripts/apt.sh"
  apt_ensure curl 2>&1 | indent || fail "curl is not installed and could not be installed (run as root, or install it yourself)"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  fail "port $PORT is already in use (an earlier demo still running?); stop that process or set DEMO_PORT"
fi
mkdir -p "$LOGS"
rm -f "$WORKER_LOG" "$WEB_LOG" "$BUILD_LOG" "$WORK/response.json"

# --- broker -------------------------------------------------------------------------------------------
if [ "${DEMO_SKIP_RABBITMQ:-0}" = 1 ]; then
  step "Using the RabbitMQ broker that is already running (DEMO_SKIP_RABBITMQ=1)"
else
  step "Starting RabbitMQ (scripts/rabbitmq.sh)"
  started=$(now_ms)
  bash "$REPO/scripts/rabbitmq.sh" 2>&1 | indent || fail "RabbitMQ could not be installed or started (see the lines above)"
  say "ready after $(secs_since "$started") s"
fi

# --- database -----------------------------------------------------------------------------------------
if [ "${DEMO_SKIP_POSTGRES:-0}" = 1 ]; then
  step "Using the PostgreSQL database that is already running (DEMO_SKIP_POSTGRES=1)"
  [ -n "${Signup__ConnectionString:-}" ] || fail "DEMO_SKIP_POSTGRES=1 needs Signup__ConnectionString"
else
  step "Starting PostgreSQL (scripts/postgres.sh)"
  started=$(now_ms)
  PG_OUT=$(bash "$REPO/scripts/postgres.sh" 2>"$LOGS/postgres.log") || { indent <"$LOGS/postgres.log" >&2; fail "PostgreSQL could not be installed or started (see the lines above)"; }
  indent <"$LOGS/postgres.log"
  export Signup__ConnectionString="$(printf '%s\n' "$PG_OUT" | tail -n 1)"
  say "ready after $(secs_since "$started") s: $(printf '%s' "$Signup__ConnectionString" | sed 's/Password=[^;]*/Password=***/')"
fi

# --- build --------------------------------------------------------------------------------------------
step "Building the signup example ($CONFIGURATION)"
# Into .tmp/demo/artifacts (bin and obj of every project involved), so that the demo never races other
# builds of the repository over the same obj/ folders. --disable-build-servers: no compiler or MSBuild
# server is left running afterwards.
ARTIFACTS="$WORK/artifacts"
build() { # project
  dotnet build "$EXAMPLE/$1/$1.csproj" -c "$CONFIGURATION" -nologo -v quiet \
    --artifacts-path "$ARTIFACTS" --disable-build-servers >>"$BUILD_LOG" 2>&1
}
started=$(now_ms)
for project in Signup.Worker Signup.Web; do
  if ! build "$project"; then
    say "building $project failed; retrying once in 10 s (a file may have been busy)"
    sleep 10
    build "$project" || {
      grep -E ': (error|warning) ' "$BUILD_LOG" | sort -u | tail -n 30 | indent >&2
      fail "the build of $project failed (full log: $BUILD_LOG)"
    }
  fi
  say "built $project"
done
say "done in $(secs_since "$started") s (output: ${ARTIFACTS#"$REPO"/}/bin/)"
PIVOT=$(printf '%s' "$CONFIGURATION" | tr '[:upper:]' '[:lower:]')
WORKER_DIR="$ARTIFACTS/bin/Signup.Worker/$PIVOT"
WEB_DIR="$ARTIFACTS/bin/Signup.Web/$PIVOT"
[ -f "$WORKER_DIR/Signup.Worker.dll" ] && [ -f "$WEB_DIR/Signup.Web.dll" ] ||
  fail "the build reported success but $WORKER_DIR/Signup.Worker.dll or $WEB_DIR/Signup.Web.dll is missing"

# --- worker -------------------------------------------------------------------------------------------
step "Starting the worker (log: ${WORKER_LOG#"$REPO"/})"
(cd "$WORKER_DIR" && exec dotnet Signup.Worker.dll) >"$WORKER_LOG" 2>&1 </dev/null &
WORKER_PID=$!
ready=no
for i in $(seq 1 300); do
  alive "$WORKER_PID" || { show_log_tail "$WORKER_LOG" "worker log"; fail "the worker exited during start-up"; }
  [ "$i" -eq 75 ] && say "(still connecting to RabbitMQ at $BROKER ...)"
  if grep -q 'Consuming queue emails' "$WORKER_LOG" && grep -q 'Consuming queue notifications' "$WORKER_LOG"; then
    ready=yes; break
  fi
  sleep 0.2
done
[ "$ready" = yes ] || { show_log_tail "$WORKER_LOG" "worker log"; fail "the worker did not start consuming within 60 s; is RabbitMQ running at $BROKER?"; }
say "worker pid $WORKER_PID is consuming the queues:"
grep -E 'Consuming queue' "$WORKER_LOG" | indent

# --- web app ------------------------------------------------------------------------------------------
step "Starting the web app on $BASE_URL (log: ${WEB_LOG#"$REPO"/})"
(cd "$WEB_DIR" && exec dotnet Signup.Web.dll --urls "$BASE_URL") >"$WEB_LOG" 2>&1 </dev/null &
WEB_PID=$!
ready=no
for _ in $(seq 1 150); do
  alive "$WEB_PID" || { show_log_tail "$WEB_LOG" "web log"; fail "the web app exited during start-up"; }
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/health" || true)" = 200 ]; then
    ready=yes; break
  fi
  sleep 0.2
done
[ "$ready" = yes ] || { show_log_tail "$WEB_LOG" "web log"; fail "GET $BASE_URL/health did not answer 200 within 30 s"; }
say "web app pid $WEB_PID: GET /health -> 200 $(curl -s --max-time 2 "$BASE_URL/health")"
dashboard_code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE_URL/taskflow/" || true)
[ "$dashboard_code" = 200 ] || { show_log_tail "$WEB_LOG" "web log"; fail "GET $BASE_URL/taskflow/ (the dashboard) answered HTTP $dashboard_code, expected 200"; }
printf '    %sTaskFlow dashboard: %s/taskflow/%s (open it now to watch the tasks arrive; docs/dashboard.md)\n' "$BOLD" "$BASE_URL" "$RESET"

# --- sign up ------------------------------------------------------------------------------------------
post_signup() { # JSON body -> STATUS, MS (client-side time), RESPONSE
  local out
  out=$(curl -sS -o "$WORK/response.json" -w '%{http_code} %{time_total}' --max-time 30 \
    -X POST -H 'Content-Type: application/json' -d "$1" "$BASE_URL/signup") ||
    { show_log_tail "$WEB_LOG" "web log"; fail "POST /signup: no answer from the web app"; }
  STATUS=${out%% *}
  MS=$(awk -v s="${out#* }" 'BEGIN { printf "%.0f", s * 1000 }')
  RESPONSE=$(cat "$WORK/response.json")
}
pretty() { if command -v python3 >/dev/null 2>&1; then python3 -m json.tool; else cat; echo; fi; }

BODY='{"email": "ada@example.com", "phone": "+44 20 7946 0000"}'
step "Signing up: POST /signup $BODY"
posted=$(now_ms)
post_signup "$BODY"
# How many of its tasks the worker had finished when the answer arrived (read before anything else).
done_at_answer=0
for id in $(printf '%s' "$RESPONSE" | grep -o '"id":"[^"]*"' | cut -d'"' -f4); do
  if grep -qF "[$id] succeeded" "$WORKER_LOG"; then done_at_answer=$((done_at_answer + 1)); fi
done
if [ "$STATUS" != 202 ]; then
  printf '%s\n' "$RESPONSE" | indent >&2
  show_log_tail "$WEB_LOG" "web log"
  fail "POST /signup answered HTTP $STATUS, expected 202"
fi
first_ms=$MS
printf '%s' "$RESPONSE" | pretty | indent
USER_ID=$(printf '%s' "$RESPONSE" | grep -o '"userId":[0-9]*' | head -n 1 | cut -d: -f2 || true)
mapfile -t TASK_IDS < <(printf '%s' "$RESPONSE" | grep -o '"id":"[^"]*"' | cut -d'"' -f4)
[ -n "$USER_ID" ] && [ "${#TASK_IDS[@]}" -eq 3 ] || fail "unexpected response: no userId or not three task ids"
printf '    %sHTTP 202 Accepted after %s ms%s: user %s created and 3 tasks queued; the request did not wait for them.\n' \
  "$GREEN" "$first_ms" "$RESET" "$USER_ID"
say "When the answer arrived, $done_at_answer of the 3 tasks had run (each takes 200-500 ms in the worker)."
say "This first request of a fresh web app also opened its RabbitMQ connection; the next ones are faster:"
post_signup '{"email": "grace@example.com", "phone": "+1 202 555 0100"}'
[ "$STATUS" = 202 ] || fail "the second POST /signup answered HTTP $STATUS, expected 202"
say "  POST /signup {\"email\": \"grace@example.com\", ...} -> 202 after $MS ms"
post_signup '{"phone": "+1 202 555 0100"}'
[ "$STATUS" = 400 ] || fail "POST /signup without an email answered HTTP $STATUS, expected 400"
say "  POST /signup {\"phone\": ...} (no email) -> 400: $(printf '%s' "$RESPONSE" | grep -o '"detail":"[^"]*"' | cut -d'"' -f4)"

# --- wait for the worker ------------------------------------------------------------------------------
step "Waiting (up to $TIMEOUT s) for the worker to run the 3 tasks of user $USER_ID"
deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  finished=0
  for id in "${TASK_IDS[@]}"; do
    if grep -qF "[$id] succeeded" "$WORKER_LOG"; then
      finished=$((finished + 1))
    elif grep -F "[$id]" "$WORKER_LOG" | grep -qE 'failed|rejected|not run'; then
      grep -F "$id" "$WORKER_LOG" | indent >&2
      fail "task $id did not succeed (see above; full log: $WORKER_LOG)"
    fi
  done
  [ "$finished" -eq 3 ] && break
  alive "$WORKER_PID" || { show_log_tail "$WORKER_LOG" "worker log"; fail "the worker exited"; }
  if [ "$(date +%s)" -ge "$deadline" ]; then
    show_log_tail "$WORKER_LOG" "worker log"
    fail "only $finished of 3 tasks finished within $TIMEOUT s"
  fi
  sleep 0.2
done
printf '    %sall 3 tasks done %s s after the signup was posted%s; the worker log for user %s:\n' \
  "$GREEN" "$(secs_since "$posted")" "$RESET" "$USER_ID"
pattern="\\[user $USER_ID\\]"
for id in "${TASK_IDS[@]}"; do pattern="$pattern|$id"; done
grep -E "$pattern" "$WORKER_LOG" | indent

step "What a client polling for progress sees: GET /users/$USER_ID"
curl -sS --max-time 5 "$BASE_URL/users/$USER_ID" | pretty | indent
step "And per task, from TaskFlow's state store: GET /tasks/${TASK_IDS[0]}"
task_status=$(curl -sS --max-time 5 "$BASE_URL/tasks/${TASK_IDS[0]}")
printf '%s' "$task_status" | pretty | indent
printf '%s' "$task_status" | grep -q '"status":"done"' || fail "GET /tasks/${TASK_IDS[0]} does not say done"

# --- telemetry ----------------------------------------------------------------------------------------
step "Metrics and traces (OpenTelemetry; docs/telemetry.md)"
say "Metrics in Prometheus format, for a Prometheus server to scrape (bash scripts/prometheus.sh installs one):"
say "  web app: $BASE_URL/metrics    worker: http://127.0.0.1:$WORKER_METRICS_PORT/metrics"
curl -s --max-time 5 "http://127.0.0.1:$WORKER_METRICS_PORT/metrics" | grep -E '^taskflow_tasks_processed_total' | head -n 6 | cut -c1-200 | indent || true
curl -s --max-time 5 "$BASE_URL/metrics" | grep -E '^taskflow_tasks_sent_total' | head -n 3 | cut -c1-200 | indent || true
# The request's trace: its server span in the web log, the worker's process spans (through the traceparent header) in the worker log.
trace=$(grep -B8 'Activity.DisplayName: *POST /signup' "$WEB_LOG" | grep -o 'Activity.TraceId: *[0-9a-f]*' | head -n 1 | awk '{print $2}' || true)
if [ -n "$trace" ]; then
  say "Traces are printed to the logs (Telemetry__ConsoleTraces=true; set OTEL_EXPORTER_OTLP_ENDPOINT to send them to a collector)."
  say "The first POST /signup is trace $trace: $(grep -c "Activity.TraceId: *$trace" "$WEB_LOG") spans in the web log (request, sends),"
  say "  $(grep -c "Activity.TraceId: *$trace" "$WORKER_LOG") in the worker log (the three runs): grep -A12 'Activity.TraceId: *$trace' ${WORKER_LOG#"$REPO"/}"
fi

# --- serve (--serve) ----------------------------------------------------------------------------------
if [ "$SERVE" = 1 ]; then
  step "Serving until Ctrl+C (--serve)"
  say "web app:   $BASE_URL   (POST /signup, GET /users/{id}, GET /tasks/{id}, GET /metrics)"
  printf '    %sdashboard: %s/taskflow/%s\n' "$BOLD" "$BASE_URL" "$RESET"
  say "worker:    pid $WORKER_PID (log: ${WORKER_LOG#"$REPO"/})"
  say "sign up more users: curl -X POST $BASE_URL/signup -H 'Content-Type: application/json' -d '{\"email\":\"x@example.com\"}'"
  SERVING=1
  while alive "$WEB_PID" && alive "$WORKER_PID"; do sleep 1; done
  SERVING=0
  alive "$WEB_PID" || { show_log_tail "$WEB_LOG" "web log"; fail "the web app exited while serving"; }
  show_log_tail "$WORKER_LOG" "worker log"; fail "the worker exited while serving"
fi

# --- stop ---------------------------------------------------------------------------------------------
step "Stopping the web app and the worker (SIGTERM: the worker drains gracefully)"
stop_process "$WEB_PID" "web app"; WEB_PID=''
stop_process "$WORKER_PID" "worker"; WORKER_PID=''
grep -E 'Worker stopping|Worker stopped' "$WORKER_LOG" | indent || true

printf '\n%sDemo OK%s: POST /signup answered 202 after %s ms (user and tasks committed together through the outbox); the worker sent the email, the SMS and the app notification in the background.\n' \
  "$GREEN" "$RESET" "$first_ms"
say "Whole demo: $(secs_since "$DEMO_STARTED") s. Logs: ${LOGS#"$REPO"/}/ (worker.log, web.log, build.log). Run the pieces yourself: see examples/Signup/README.md."
say "To keep it up and browse the dashboard ($BASE_URL/taskflow/): bash scripts/demo.sh --serve"
