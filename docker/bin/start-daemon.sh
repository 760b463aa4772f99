#!/bin/sh
# The dagster-daemon service's command: turn the schedules on at the stack's first start, then run
# the daemon (schedules, sensors, the run queue, backfills).
#
# The domains' daily schedules are defined STOPPED (Dagster's default) so that a developer's
# `make ui` does not start nightly runs; the stack is the deployment, where they should run.
# Only the first start turns them on (marker in the dagster-storage volume): a schedule an
# operator stops afterwards stays stopped across restarts. The sales sensors are RUNNING by
# default in the code and need nothing here.
set -eu

marker="${DAGSTER_HOME:?}/storage/.schedules-started"
if [ ! -e "$marker" ]; then
    if dagster schedule start --start-all -w workspace.yaml; then
        date -u +%Y-%m-%dT%H:%M:%SZ > "$marker"
    else
        # The daemon still starts (sensors, queued runs, the UI's backfills); the next start retries.
        echo "start-daemon: could not start the schedules; start them in the UI (Automation) or retry" >&2
    fi
fi

exec dagster-daemon run -w workspace.yaml
