#!/usr/bin/env bash
# amlgo run driver: runs one training command inside an amlgo run directory.
# Written by github.com/amlgo/amlgo/internal/driver (WriteWrapper); do not edit by hand.
#
# Usage: bash <rundir>/azureml-setup/driver.sh <rundir> <max_seconds|0> <grace_seconds> -- <argv...>
#
# Files under <rundir>/azureml-setup: pid, child_pgid, started_at, ended_at, reason, exit_code
# (written last, atomically); killfile requests cancellation. The command runs in <rundir>/wd in
# its own process group; its stdout and stderr share one append fd on
# <rundir>/azureml-logs/70_driver_log.txt.
set -u

_amlgo_usage() {
	printf 'driver.sh: %s\nusage: driver.sh <rundir> <max_seconds|0> <grace_seconds> -- <argv...>\n' "$1" >&2
	exit 2
}

[ $# -ge 5 ] || _amlgo_usage "missing arguments"
[ "$4" = "--" ] || _amlgo_usage "expected -- after <grace_seconds>"
_amlgo_rundir=$1
_amlgo_max=$2
_amlgo_grace=$3
shift 4
case $_amlgo_max in '' | *[!0-9]*) _amlgo_usage "max_seconds must be a non-negative integer" ;; esac
case $_amlgo_grace in '' | *[!0-9]*) _amlgo_usage "grace_seconds must be a non-negative integer" ;; esac
_amlgo_max=$((10#$_amlgo_max))
_amlgo_grace=$((10#$_amlgo_grace))
case $_amlgo_rundir in /*) ;; *) _amlgo_rundir=$PWD/$_amlgo_rundir ;; esac

_amlgo_setup=$_amlgo_rundir/azureml-setup
_amlgo_logdir=$_amlgo_rundir/azureml-logs
_amlgo_log=$_amlgo_logdir/70_driver_log.txt
_amlgo_killfile=$_amlgo_setup/killfile

# AMLGO_WORKDIR moves the working directory out of the run directory (a container whose project
# is copied in, not shared); AMLGO_COPY_BACK=1 then copies outputs/ and logs/ back into
# <rundir>/wd before the exit code is written, so the SDK collects them as for any run.
_amlgo_wd=${AMLGO_WORKDIR:-$_amlgo_rundir/wd}
mkdir -p "$_amlgo_setup" "$_amlgo_logdir" "$_amlgo_rundir/wd" "$_amlgo_wd" || exit 2
cd "$_amlgo_wd" || exit 2
mkdir -p outputs logs || exit 2

# _amlgo_put FILE VALUE: write "VALUE\n" to FILE atomically (temp file + rename).
_amlgo_put() {
	printf '%s\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

# _amlgo_now: RFC3339Nano UTC timestamp (whole seconds where date has no %N).
_amlgo_now() {
	local t
	t=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	case $t in *N*) t=$(date -u +%Y-%m-%dT%H:%M:%SZ) ;; esac
	printf '%s\n' "$t"
}

# @amlgo-procfuncs@

# The wrapper's session: the SDK starts it as a session leader, so it is normally $$. The
# command's process group is recognised by its id *and* this session, never by the id alone.
_amlgo_sid=$$
if _amlgo_stat self; then _amlgo_sid=$_amlgo_st_sid; fi
_amlgo_leader_done=$_amlgo_setup/.leader_exited

_amlgo_put "$_amlgo_setup/pid" "$$"
rm -f "$_amlgo_setup/exit_code" "$_amlgo_setup/ended_at" "$_amlgo_setup/reason" \
	"$_amlgo_setup/started_at" "$_amlgo_setup/child_pgid" "$_amlgo_leader_done"

# Cancelled before the command started: do not start it.
if [ -e "$_amlgo_killfile" ]; then
	_amlgo_put "$_amlgo_setup/reason" canceled
	_amlgo_put "$_amlgo_setup/ended_at" "$(_amlgo_now)"
	_amlgo_put "$_amlgo_setup/exit_code" 143
	exit 143
fi

# Signals to the wrapper itself: TERM/INT cancel the run, HUP is ignored. Handlers (not SIG_IGN)
# while forking so that the command starts with default dispositions; HUP is switched to SIG_IGN
# right after (a trapped HUP arriving together with TERM can make bash drop the TERM trap).
_amlgo_sig=
trap '_amlgo_sig=1; : >"$_amlgo_setup/.terminated"; : >"$_amlgo_killfile"' TERM INT
trap ':' HUP

_amlgo_put "$_amlgo_setup/started_at" "$(_amlgo_now)"
# Job control only while forking: the command becomes the leader of its own process group, and
# `wait` below does not return when the command is merely stopped.
set -m
"$@" </dev/null >>"$_amlgo_log" 2>&1 &
_amlgo_child=$!
set +m
trap '' HUP
_amlgo_put "$_amlgo_setup/child_pgid" "$_amlgo_child"

# _amlgo_wrapper_gone: succeeds once the wrapper (the watcher's parent) has died: the watcher has
# been re-parented. Without procfs, whether a process with the wrapper's pid exists.
_amlgo_wrapper_gone() {
	if _amlgo_stat self; then
		[ "$_amlgo_st_ppid" != "$_amlgo_wrapper" ]
	else
		! kill -0 "$_amlgo_wrapper" 2>/dev/null
	fi
}

# The watcher polls for the killfile and the deadline. On either, or when the command's leader
# has exited (the wrapper says so with the .leader_exited marker, never by its reusable pid)
# while its group lives on, it records the reason (not in the last case), sends SIGTERM
# (+SIGCONT) to the group, and SIGKILL once grace seconds have passed. If the wrapper itself is
# killed, the watcher stops the command's group too, so nothing runs on unsupervised; the run
# then has no exit code and the SDK reports it lost.
_amlgo_watch() {
	trap - TERM INT
	LC_ALL=C

	if { exec 9<> <(:); } 2>/dev/null && { read -r -t 0.01 -u 9 _; [ $? -gt 128 ]; }; then
		_amlgo_tick() { read -r -t 0.05 -u 9 _; }
	else
		_amlgo_tick() { sleep 0.05; }
	fi
	if [ -n "${EPOCHREALTIME:-}" ]; then
		_amlgo_now_ms() {
			local t=$EPOCHREALTIME
			_amlgo_ms=$((${t%[.,]*} * 1000 + 10#${t#*[.,]} / 1000))
		}
	else
		case $(date +%N) in
		*N*) _amlgo_now_ms() { _amlgo_ms=$(($(date +%s) * 1000)); } ;;
		*) _amlgo_now_ms() { _amlgo_ms=$(($(date +%s%N) / 1000000)); } ;;
		esac
	fi

	local deadline=0 why=
	_amlgo_now_ms
	[ "$_amlgo_max" -gt 0 ] && deadline=$((_amlgo_ms + _amlgo_max * 1000))
	while :; do
		if [ -e "$_amlgo_killfile" ]; then
			why=canceled
			[ ! -e "$_amlgo_setup/.terminated" ] || why=terminated
			break
		fi
		if [ "$deadline" -gt 0 ]; then
			_amlgo_now_ms
			if [ "$_amlgo_ms" -ge "$deadline" ]; then
				why=timeout
				break
			fi
		fi
		[ ! -e "$_amlgo_leader_done" ] || break
		if _amlgo_wrapper_gone; then
			why=lost
			break
		fi
		_amlgo_tick
	done
	case $why in canceled | timeout | terminated) _amlgo_put "$_amlgo_setup/reason" "$why" ;; esac
	_amlgo_kill_group TERM "$_amlgo_child" "$_amlgo_sid"
	kill -CONT -- "-$_amlgo_child" 2>/dev/null
	_amlgo_now_ms
	local kill_at=$((_amlgo_ms + _amlgo_grace * 1000))
	while _amlgo_group_alive "$_amlgo_child" "$_amlgo_sid"; do
		_amlgo_now_ms
		if [ "$_amlgo_ms" -ge "$kill_at" ]; then
			_amlgo_kill_group KILL "$_amlgo_child" "$_amlgo_sid"
			break
		fi
		_amlgo_tick
	done
	exit 0
}

_amlgo_wrapper=$$
_amlgo_watch &
_amlgo_watcher=$!

while :; do
	_amlgo_sig=
	wait "$_amlgo_child" 2>/dev/null # no "Killed" job notice on the wrapper's stderr
	_amlgo_status=$?
	[ -n "$_amlgo_sig" ] || break
done

: >"$_amlgo_leader_done"
if _amlgo_group_alive "$_amlgo_child" "$_amlgo_sid"; then
	# Cancel/timeout in progress, or processes the command left behind: the watcher (which sees
	# the leader-exited marker) escalates TERM -> grace -> KILL. The watcher is waited for as an
	# unreaped child, never polled by its pid.
	while :; do
		_amlgo_sig=
		wait "$_amlgo_watcher" 2>/dev/null
		[ -n "$_amlgo_sig" ] || break
	done
	# Make sure nothing survives (bounded, in case of uninterruptible sleeps).
	_amlgo_i=0
	while _amlgo_kill_group KILL "$_amlgo_child" "$_amlgo_sid" && [ "$_amlgo_i" -lt 100 ]; do
		sleep 0.02
		_amlgo_i=$((_amlgo_i + 1))
	done
else
	kill -KILL "$_amlgo_watcher" 2>/dev/null
	wait "$_amlgo_watcher" 2>/dev/null
fi

if [ "${AMLGO_COPY_BACK:-}" = 1 ] && [ "$_amlgo_wd" != "$_amlgo_rundir/wd" ]; then
	cp -R outputs logs "$_amlgo_rundir/wd/" 2>>"$_amlgo_log" ||
		printf 'amlgo: copying outputs/ and logs/ back from %s failed\n' "$_amlgo_wd" >>"$_amlgo_log"
fi
_amlgo_put "$_amlgo_setup/ended_at" "$(_amlgo_now)"
_amlgo_put "$_amlgo_setup/exit_code" "$_amlgo_status"
exit "$_amlgo_status"
