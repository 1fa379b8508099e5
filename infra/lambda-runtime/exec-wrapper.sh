#!/bin/bash
# Lambda exec wrapper (AWS_LAMBDA_EXEC_WRAPPER) shipped in every runner function's bundle.
#
# Lambda's Node.js bootstrap runs the runtime as
#   /var/lang/bin/node --expose-gc --max-semi-space-size=<memory/20> --max-old-space-size=<memory*9/10> ... /var/runtime/index.mjs
# and hands that command line to this script, which runs it with one change: V8's young generation
# is capped at BACKUP_RUNNER_MAX_SEMI_SPACE_MB (default 8) per semi-space instead of 5% of the
# function's memory (51 MB at 1024 MB). A transfer allocates short-lived stream objects at a steady
# rate for minutes; V8 grows the young generation step by step up to its cap and never gives it back,
# so with the bootstrap's cap the resident memory of a 4 GiB transfer kept rising by ~100 MB after
# the first gigabyte. With 8 MB it stays flat at no measured cost in speed (BENCHMARKS.md). A flag
# given twice takes its last value in V8, so the bootstrap's own is removed rather than overridden.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "exec-wrapper.sh: expected the runtime's command line as arguments" >&2
  exit 64
fi
semi_space_mb="${BACKUP_RUNNER_MAX_SEMI_SPACE_MB:-8}"
node="$1"
shift
args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --max-semi-space-size=*) ;;
    --max-semi-space-size) [ "$#" -gt 1 ] && shift ;; # its value is the next argument
    *) args+=("$1") ;;
  esac
  shift
done
exec "$node" "--max-semi-space-size=${semi_space_mb}" "${args[@]}"
