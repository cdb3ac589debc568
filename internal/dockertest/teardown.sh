#!/usr/bin/env bash
# Stops what internal/dockertest/setup.sh DIR started: the registry and the private dockerd (TERM,
# wait, KILL after 30 s), then unmounts what the daemon left mounted below DIR (its netns mount;
# overlays after a KILL). Safe to run twice, and on a DIR where setup.sh failed half-way. DIR itself
# (images, the registry's storage, the logs) is kept: remove it afterwards if it is not needed.
set -euo pipefail
[ $# -eq 1 ] || {
	echo "usage: $0 DIR" >&2
	exit 2
}
[ -d "$1" ] || exit 0
DIR=$(cd "$1" && pwd)

# cmdline_has PID TEXT succeeds when the command line of PID contains TEXT.
cmdline_has() {
	local c
	c=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
	case $c in *"$2"*) ;; *) return 1 ;; esac
}

# stop PIDFILE TEXT NAME: TERM the process in PIDFILE if its command line contains TEXT, and wait.
stop() {
	local pid i
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	if ! cmdline_has "$pid" "$2"; then
		rm -f "$1"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		cmdline_has "$pid" "$2" || break
		sleep 0.1
	done
	if cmdline_has "$pid" "$2"; then
		echo "teardown.sh: $3 (pid $pid) still running 30 s after TERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
	echo "teardown.sh: stopped $3 (pid $pid)" >&2
}

stop "$DIR/registry/registry.pid" "docker-registry serve $DIR/registry/config.yml" docker-registry
stop "$DIR/docker.pid" "--data-root $DIR/docker-data" dockerd

# After a KILL the daemon's containerd and the containers' shims survive it, and the containers
# (each the child of its shim; killing a container's init ends its pid namespace).
victims=()
for p in /proc/[0-9]*; do
	pid=${p#/proc/}
	! cmdline_has "$pid" "$DIR/docker-exec/containerd/containerd" || victims+=("$pid")
done
if [ ${#victims[@]} -gt 0 ]; then
	for p in /proc/[0-9]*; do
		ppid=$(awk '{ sub(/^.*\) /, ""); print $2 }' "$p/stat" 2>/dev/null) || continue
		for v in "${victims[@]}"; do [ "$ppid" != "$v" ] || kill -KILL "${p#/proc/}" 2>/dev/null || true; done
	done
	kill -KILL "${victims[@]}" 2>/dev/null || true
	echo "teardown.sh: killed leftover containerd/shims ${victims[*]} and their children" >&2
fi

# Unmount everything below DIR, deepest first (the netns mount always stays behind).
awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
	umount "$m" 2>/dev/null || umount -l "$m" || true
done
rm -f "$DIR/docker.sock"
