#!/usr/bin/env bash
# npm run backup | restore | user -- ...: day-2 operations on a deployed stack (scripts/ops/ops.ts).
# Needs the Pulumi CLI with the stack's backend (tools/offline/toolchain/env.sh sets the local file
# backend unless PULUMI_BACKEND_URL is set) and a docker CLI for Docker stacks.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck disable=SC1091
source tools/offline/toolchain/env.sh
exec npx --no-install ts-node --transpile-only -P tsconfig.json scripts/ops/ops.ts "$@"
