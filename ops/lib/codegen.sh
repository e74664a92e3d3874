# Shared by ops/codegen, ops/run and ops/cluster-test: the handlers' generated code and the sources it came from.
# shellcheck shell=bash

codegen_folder() { printf '%s/src/TimeBank/Internal/Generated' "$1"; }

# One hash of the service's sources (its .cs files outside the generated folder, and its project file).
codegen_sources_stamp() {
  (
    cd "$1" || exit 1
    find ./src/TimeBank \( -name '*.cs' -o -name TimeBank.csproj \) -not -path "$(codegen_folder .)/*" \
      -not -path '*/obj/*' -not -path '*/bin/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
  )
}

codegen_write_stamp() { codegen_sources_stamp "$1" >"$(codegen_folder "$1")/.sources"; }

# Generated code older than the sources would still compile and run the handlers' previous pipeline (or fail the
# build after a handler's signature changed): remove it, and the service generates that code when first used.
codegen_discard_if_stale() {
  local generated
  generated=$(codegen_folder "$1")
  [[ -d "$generated" ]] || return 0
  if [[ "$(cat "$generated/.sources" 2>/dev/null)" != "$(codegen_sources_stamp "$1")" ]]; then
    rm -rf "$generated"
    echo "[codegen] removed $generated: generated from other sources (run ops/codegen to generate it again)" >&2
  fi
}
