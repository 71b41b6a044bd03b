#!/usr/bin/env bash
# GitHub side of the GitOps workflows (.github/workflows/), through the `gh` CLI that hosted
# runners have, authenticated by GH_TOKEN (the workflow's GITHUB_TOKEN). Idempotent: one PR
# comment per stack, one open drift issue per stack.
#
#   github.sh pr-comment PR_NUMBER STACK FILE
#       Creates, or edits in place, the pull request's comment that starts with the stack's
#       marker line `<!-- jhp-preview:STACK -->` (tools/gitops/previewComment.ts writes it).
#   github.sh drift-issue STACK drifted|clean FILE
#       drifted: opens the issue "Drift detected in stack STACK" (label `drift`) with FILE as its
#       body, or, if one is open, replaces its body and adds a comment with the run's link.
#       clean: closes an open drift issue of the stack with a comment.
#
# Environment: GH_TOKEN, GITHUB_REPOSITORY (owner/name), GITHUB_SERVER_URL, GITHUB_RUN_ID.
# Every gh call is bounded (60 s).
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"
run_url="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/actions/runs/${GITHUB_RUN_ID:-0}"
DRIFT_LABEL=drift

gh_() { timeout 60 gh "$@"; }

pr_comment() {
    local pr=$1 stack=$2 file=$3 marker id
    [[ "$pr" =~ ^[0-9]+$ ]] || { echo "github.sh: PR number '$pr' is not a number" >&2; exit 2; }
    marker="<!-- jhp-preview:$stack -->"
    [ "$(head -1 "$file")" = "$marker" ] || { echo "github.sh: $file does not start with $marker" >&2; exit 1; }
    # The first comment of this PR whose body starts with the marker (all pages).
    id="$(gh_ api --paginate "repos/$GITHUB_REPOSITORY/issues/$pr/comments" \
        --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -1)"
    if [ -n "$id" ]; then
        gh_ api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$file" >/dev/null
        echo "github.sh: updated comment $id on #$pr ($stack)"
    else
        gh_ api --method POST "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -F "body=@$file" >/dev/null
        echo "github.sh: commented on #$pr ($stack)"
    fi
}

drift_issue() {
    local stack=$1 status=$2 file=$3 title number
    title="Drift detected in stack $stack"
    number="$(gh_ issue list --repo "$GITHUB_REPOSITORY" --state open --label "$DRIFT_LABEL" --limit 100 \
        --json number,title --jq ".[] | select(.title == \"$title\") | .number" | head -1)"
    case "$status" in
        drifted)
            if [ -n "$number" ]; then
                gh_ issue edit "$number" --repo "$GITHUB_REPOSITORY" --body-file "$file" >/dev/null
                gh_ issue comment "$number" --repo "$GITHUB_REPOSITORY" --body "Still drifted: $run_url" >/dev/null
                echo "github.sh: updated drift issue #$number ($stack)"
            else
                gh_ label create "$DRIFT_LABEL" --repo "$GITHUB_REPOSITORY" --color B60205 \
                    --description "A stack differs from its cloud resources" >/dev/null 2>&1 || true
                gh_ issue create --repo "$GITHUB_REPOSITORY" --title "$title" --label "$DRIFT_LABEL" --body-file "$file"
            fi
            ;;
        clean)
            if [ -n "$number" ]; then
                gh_ issue close "$number" --repo "$GITHUB_REPOSITORY" --comment "No drift any more: $run_url" >/dev/null
                echo "github.sh: closed drift issue #$number ($stack)"
            fi
            ;;
        *) usage ;;
    esac
}

[ $# -ge 1 ] || usage
case "$1" in
    pr-comment) [ $# -eq 4 ] || usage; pr_comment "$2" "$3" "$4" ;;
    drift-issue) [ $# -eq 4 ] || usage; drift_issue "$2" "$3" "$4" ;;
    *) usage ;;
esac
