#!/bin/bash
# Minimal stand-in for docker-stacks' start.sh: run the hook folders, then exec the command.
# Hooks: executable files are run, *.sh files are sourced (so they can export variables),
# in lexical order, as in upstream.
set -e
run_hooks() {
    local dir=$1
    [ -d "$dir" ] || return 0
    for f in "$dir"/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh) echo "start.sh: sourcing $f"
                # shellcheck source=/dev/null
                source "$f" || echo "start.sh: $f failed, continuing" ;;
            *) if [ -x "$f" ]; then echo "start.sh: running $f"; "$f" || echo "start.sh: $f failed, continuing"; fi ;;
        esac
    done
}
run_hooks /usr/local/bin/start-notebook.d
run_hooks /usr/local/bin/before-notebook.d
exec "$@"
