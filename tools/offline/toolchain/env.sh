# shellcheck shell=bash
# tools/offline/toolchain/env.sh - environment for running the Pulumi engine locally.
#
# Usage:   source tools/offline/toolchain/env.sh     (from any directory; bash or zsh)
#
# Stable interface (other scripts - e2e, `npm run up`, test:engine - rely on it):
#   PATH                    gains "$HOME/.pulumi/bin" (where `npm run toolchain`
#                           installs `pulumi` and `pulumi-language-nodejs`) in front;
#                           override the directory with JHP_PULUMI_BIN_DIR.
#   PULUMI_HOME             left alone: the default (~/.pulumi) holds the plugin
#                           cache (~/.pulumi/plugins). If you set it, set it before
#                           running `npm run toolchain` too.
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
#                           the engine must use the installed plugins and never try
#                           to download one.
#   PULUMI_SKIP_UPDATE_CHECK=true
#                           no "new version available" call home.
#   PULUMI_CONFIG_PASSPHRASE
#                           set to the fixed TEST-ONLY passphrase below, unless it
#                           (or PULUMI_CONFIG_PASSPHRASE_FILE) is already set. It
#                           encrypts secrets of local/test stacks only; never use it
#                           for a stack holding real credentials.
#   PULUMI_BACKEND_URL      file://<repo>/.pulumi-state (git-ignored), unless already
#                           set; the directory is created if missing (the file
#                           backend refuses to start without it).
#   JHP_REPO_ROOT           absolute path of this repository (exported for scripts).
#
# Nothing here touches the network; the only write is `mkdir -p .pulumi-state`.
# Sourcing it twice is harmless.

if [ -n "${BASH_SOURCE[0]:-}" ]; then
  _jhp_env_file="${BASH_SOURCE[0]}"
elif [ -n "${ZSH_VERSION:-}" ]; then
  # shellcheck disable=SC2296
  _jhp_env_file="${(%):-%x}"
else
  _jhp_env_file="$0"
fi
JHP_REPO_ROOT="$(cd "$(dirname "$_jhp_env_file")/../../.." && pwd)"
export JHP_REPO_ROOT
unset _jhp_env_file

_jhp_bin="${JHP_PULUMI_BIN_DIR:-$HOME/.pulumi/bin}"
case ":$PATH:" in
  *":$_jhp_bin:"*) ;;
  *) PATH="$_jhp_bin:$PATH" ;;
esac
export PATH
unset _jhp_bin

export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true

# Test-only passphrase for stacks on the local file backend. Documented in
# docs/toolchain.md. Real stacks must bring their own secret provider/passphrase.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="jhp-local-test-only-passphrase"
fi

if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  export PULUMI_BACKEND_URL="file://$JHP_REPO_ROOT/.pulumi-state"
  mkdir -p "$JHP_REPO_ROOT/.pulumi-state"
fi
