#!/usr/bin/env bash
# shellcheck shell=bash
#
# ops/lib/process.sh: run a long-lived child (dotnet run, dotnet test) so that
# Ctrl-C or SIGTERM sent to the calling script stops the child and all of its
# descendants, and the script's EXIT trap still runs afterwards.
#
#   source "$repo/ops/lib/process.sh"
#   proc_install_exit_traps          # INT/TERM before the child starts: exit 130/143
#   proc_run_forwarding_signals dotnet run ...
#   rc=$?                            # the child's exit status
#   proc_stop_child                  # in an EXIT trap: stop a child still running
#
# Why this is needed: while bash waits for a foreground child it defers its
# traps, so a SIGTERM sent to the script alone would never reach the child.
# The child therefore runs in the background, where it ignores SIGINT (as
# every background child of a non-interactive shell does). On SIGINT or
# SIGTERM the traps below send SIGTERM to the child and every descendant it
# has at that moment: `dotnet run` and the app, or `dotnet test`,
# vstest.console and the testhost (dotnet test does not pass SIGTERM on, and
# its helpers would otherwise linger). The ASP.NET Core host treats SIGTERM
# as a graceful shutdown. A third signal sends SIGKILL.

PROC_CHILD_PID=
PROC_SIGNAL=
_proc_signal_count=0
_proc_signalled_pids=()

# INT/TERM make the script exit (running its EXIT trap) with 130/143.
proc_install_exit_traps() {
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Print the PIDs of all descendants of process $1, one per line.
_proc_descendants() {
  local root=$1 stat pid rest ppid child
  local -A children=()
  local -a queue
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}
    pid=${pid%/stat}
    read -r rest 2>/dev/null <"$stat" || continue
    rest=${rest##*) } # fields after "pid (comm) ": state ppid ...
    ppid=${rest#* }
    ppid=${ppid%% *}
    children[$ppid]+=" $pid"
  done
  queue=("$root")
  while ((${#queue[@]})); do
    pid=${queue[0]}
    queue=("${queue[@]:1}")
    for child in ${children[$pid]:-}; do
      printf '%s\n' "$child"
      queue+=("$child")
    done
  done
}

# Send signal $1 to process $2 and all its current descendants; remember them.
_proc_signal_tree() {
  local sig=$1 root=$2 pid
  local -a pids=("$root")
  while IFS= read -r pid; do pids+=("$pid"); done < <(_proc_descendants "$root")
  for pid in "${pids[@]}"; do
    [[ " ${_proc_signalled_pids[*]} " == *" $pid "* ]] || _proc_signalled_pids+=("$pid")
  done
  kill "-$sig" "${_proc_signalled_pids[@]}" 2>/dev/null || true
}

# Wait up to $1 seconds for every signalled process to end, then SIGKILL the rest.
_proc_reap_signalled() {
  local timeout=$1 i pid alive
  ((${#_proc_signalled_pids[@]})) || return 0
  for ((i = 0; i <= timeout * 4; i++)); do
    alive=()
    for pid in "${_proc_signalled_pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && alive+=("$pid")
    done
    ((${#alive[@]})) || break
    ((i < timeout * 4)) && sleep 0.25
  done
  if ((${#alive[@]})); then
    printf '[%s] killing processes that did not stop: %s\n' "${0##*/}" "${alive[*]}" >&2
    kill -KILL "${alive[@]}" 2>/dev/null || true
  fi
  _proc_signalled_pids=()
}

_proc_forward() {
  PROC_SIGNAL=$1
  _proc_signal_count=$((_proc_signal_count + 1))
  [[ -n "$PROC_CHILD_PID" ]] || return 0
  if ((_proc_signal_count >= 3)); then
    printf '[%s] third signal: killing pid %s and its children\n' "${0##*/}" "$PROC_CHILD_PID" >&2
    _proc_signal_tree KILL "$PROC_CHILD_PID"
  else
    printf '[%s] SIG%s: stopping pid %s and its children...\n' "${0##*/}" "$1" "$PROC_CHILD_PID" >&2
    _proc_signal_tree TERM "$PROC_CHILD_PID"
  fi
}

# proc_run_forwarding_signals <command> [args...]: run the command, relay
# SIGINT/SIGTERM to it and its descendants, return its exit status. If a
# signal arrived and the child nonetheless exited with 0, return 130 (INT)
# or 143 (TERM).
proc_run_forwarding_signals() {
  local rc=0 prev seen
  PROC_SIGNAL=
  _proc_signal_count=0
  _proc_signalled_pids=()
  trap '_proc_forward INT' INT
  trap '_proc_forward TERM' TERM
  "$@" &
  PROC_CHILD_PID=$!
  while :; do
    seen=$_proc_signal_count
    prev=$rc
    rc=0
    wait "$PROC_CHILD_PID" 2>/dev/null || rc=$?
    # 127 after an interrupted wait: the status had already been collected.
    if ((rc == 127 && prev > 128)); then
      rc=$prev
      break
    fi
    # wait returns >128 as soon as a trapped signal arrives, while the child
    # is still shutting down: wait again for its real exit status.
    ((rc > 128 && _proc_signal_count != seen)) || break
  done
  PROC_CHILD_PID=
  # Helpers that outlived the child (e.g. a testhost) get a few seconds.
  _proc_reap_signalled 10
  proc_install_exit_traps
  if [[ -n "$PROC_SIGNAL" && "$rc" == 0 ]]; then
    if [[ "$PROC_SIGNAL" == INT ]]; then rc=130; else rc=143; fi
  fi
  return "$rc"
}

# Stop a child that is still running (e.g. the script failed while it ran):
# SIGTERM to it and its descendants, SIGKILL after <timeout> seconds (default 30).
proc_stop_child() {
  local timeout=${1:-30}
  if [[ -n "$PROC_CHILD_PID" ]] && kill -0 "$PROC_CHILD_PID" 2>/dev/null; then
    _proc_signal_tree TERM "$PROC_CHILD_PID"
  fi
  _proc_reap_signalled "$timeout"
  if [[ -n "$PROC_CHILD_PID" ]]; then
    wait "$PROC_CHILD_PID" 2>/dev/null || true
  fi
  PROC_CHILD_PID=
}
