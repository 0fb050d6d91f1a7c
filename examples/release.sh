#!/usr/bin/env bash
# Releases a staged build under the rolling/immutable tag scheme with the
# tagkeeper CLI: prints the plan, publishes behind an optional release gate,
# and prints the immutable reference to pin in deployments.
#
# Usage: examples/release.sh SOURCE TARGET_REPO VERSION DISTRO [PUBLISH_FLAGS...]
#   SOURCE         staged image, such as ghcr.io/acme/etcd-staging:build-412
#   TARGET_REPO    release repository, such as ghcr.io/acme/etcd
#   VERSION        upstream version, such as 3.5.10
#   DISTRO         distro of the build, such as debian-12
#   PUBLISH_FLAGS  passed on to every tagkeeper call, such as --insecure registry.local:5000
#
# Environment:
#   TAGKEEPER       command that runs tagkeeper (default: tagkeeper; from a clone
#                   of this repository: "npx tsx src/cli/bin.ts")
#   DEFAULT_DISTRO  distro that tags without a distro stand for (default: debian-12)
#   POLICY_FILE     tag policy file, JSON or YAML (default: none)
#   VERIFY_COMMAND  release gate run after the copy and before any tag is
#                   written, with TAGKEEPER_REFERENCE=repo@digest in its
#                   environment (default: none)
#
# A nightly rebuild that differs from the newest revision only in build
# timestamps makes no new revision (--skip-if-unchanged). Running the script
# again after a failure finishes the same revision.
set -euo pipefail

if [ "$#" -lt 4 ]; then
  sed -n '2,24p' "$0" >&2
  exit 2
fi

source_ref=$1
target_repo=$2
version=$3
distro=$4
shift 4

read -r -a tagkeeper <<<"${TAGKEEPER:-tagkeeper}"
flags=(--version "$version" --distro "$distro" --default-distro "${DEFAULT_DISTRO:-debian-12}" --skip-if-unchanged "$@")
if [ -n "${POLICY_FILE:-}" ]; then
  flags+=(--policy "$POLICY_FILE")
fi

echo "== plan for $version on $distro" >&2
"${tagkeeper[@]}" publish "$source_ref" "$target_repo" "${flags[@]}" --dry-run >&2

gate=()
if [ -n "${VERIFY_COMMAND:-}" ]; then
  gate=(--verify "$VERIFY_COMMAND")
fi

echo "== publishing" >&2
result=$("${tagkeeper[@]}" publish "$source_ref" "$target_repo" "${flags[@]}" "${gate[@]}" --json)

# Node is there whenever tagkeeper is, so it reads the JSON result instead of jq.
node -e '
  const result = JSON.parse(process.argv[1]);
  const written = result.operations.filter((operation) => operation.action === "create" || operation.action === "move");
  console.error(`== ${result.immutable}: ${written.length} tags written`);
  for (const operation of result.operations) {
    console.error(`   ${operation.tag.padEnd(28)} ${operation.action.padEnd(9)} ${operation.reason}`);
  }
  console.log(`${process.argv[2]}:${result.immutable}@${result.digest}`);
' "$result" "$target_repo"
