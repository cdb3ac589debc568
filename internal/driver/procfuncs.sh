# amlgo process identity helpers (POSIX sh; also sourced into driver.sh). A process is named by
# its pid and its start time (field 22 of /proc/<pid>/stat), which fork sets and exec keeps, so a
# reused pid is never mistaken for the process that had it.

# _amlgo_stat PID|self: sets _amlgo_st_state, _amlgo_st_ppid, _amlgo_st_pgrp, _amlgo_st_sid and
# _amlgo_st_ticks from /proc/PID/stat; fails when the process has no stat entry.
_amlgo_stat() {
	_amlgo_line=
	{ read -r _amlgo_line <"/proc/$1/stat"; } 2>/dev/null || [ -n "$_amlgo_line" ] || return 1
	_amlgo_line=${_amlgo_line##*) }
	set -f
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $_amlgo_line
	set +f
	[ $# -ge 20 ] || return 1
	_amlgo_st_state=$1 _amlgo_st_ppid=$2 _amlgo_st_pgrp=$3 _amlgo_st_sid=$4
	shift 19
	_amlgo_st_ticks=$1
}

# _amlgo_identity PID: prints "PID TICKS BOOTID" for a process that is still an unreaped child
# of the caller, "PID - BOOTID" when it is already gone; "-" for an unknown boot id.
_amlgo_identity() {
	_amlgo_boot=
	{ read -r _amlgo_boot </proc/sys/kernel/random/boot_id; } 2>/dev/null || _amlgo_boot=-
	[ -n "$_amlgo_boot" ] || _amlgo_boot=-
	if _amlgo_stat "$1"; then
		printf '%s %s %s\n' "$1" "$_amlgo_st_ticks" "$_amlgo_boot"
	elif [ -r /proc/self/stat ]; then
		printf '%s - %s\n' "$1" "$_amlgo_boot"
	else
		printf '%s\n' "$1" # no procfs: the pid is all there is
	fi
}

# _amlgo_is PID TICKS BOOTID: succeeds while that exact process runs (not a zombie). TICKS "-"
# means it was gone at launch; an empty TICKS compares the pid only (no procfs, or a record of an
# earlier version).
_amlgo_is() {
	[ "$2" != - ] || return 1
	if [ -n "$3" ] && [ "$3" != - ]; then
		_amlgo_boot=
		{ read -r _amlgo_boot </proc/sys/kernel/random/boot_id; } 2>/dev/null
		[ -z "$_amlgo_boot" ] || [ "$_amlgo_boot" = "$3" ] || return 1
	fi
	if ! _amlgo_stat "$1"; then
		[ ! -r /proc/self/stat ] && [ -z "$2" ] && kill -0 "$1" 2>/dev/null && return 0
		return 1
	fi
	case $_amlgo_st_state in Z | X | x) return 1 ;; esac
	[ -z "$2" ] || [ "$_amlgo_st_ticks" = "$2" ]
}

# _amlgo_group_alive PGID SID: succeeds while a live (not zombie) process is in process group
# PGID of session SID. The session pins the group: a process group id can be reused only after
# the group is empty, and a reused one belongs to another session. Without procfs, kill -0 on the
# group is all there is.
_amlgo_group_alive() {
	kill -0 "-$1" 2>/dev/null || return 1
	[ -r /proc/self/stat ] || return 0
	for _amlgo_d in /proc/[0-9]*; do
		_amlgo_stat "${_amlgo_d#/proc/}" || continue
		[ "$_amlgo_st_pgrp" = "$1" ] && [ "$_amlgo_st_sid" = "$2" ] || continue
		case $_amlgo_st_state in Z | X | x) ;; *) return 0 ;; esac
	done
	return 1
}

# _amlgo_kill_group SIGNAL PGID SID: sends SIGNAL to process group PGID only while it is a live
# group of session SID.
_amlgo_kill_group() {
	_amlgo_group_alive "$2" "$3" || return 1
	kill "-$1" "-$2" 2>/dev/null
}
