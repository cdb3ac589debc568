#!/usr/bin/env bash
# Sets up the shared Docker test environment of internal/dockertest (see its package doc):
#
#   internal/dockertest/setup.sh DIR CACHE
#
# DIR is a scratch directory (kept short: unix socket paths under it must stay below 108 bytes);
# CACHE keeps the bootstrapped root filesystems between runs (never required: a missing or damaged
# tarball is rebuilt from Debian's mirror). Run as root on Debian bookworm with docker.io,
# mmdebstrap, docker-registry and apache2-utils installed. It
#   - starts a private dockerd on unix://DIR/docker.sock (no bridge, no iptables; socket group
#     docker) unless one already answers there;
#   - builds amlgo-test/python3:1 and amlgo-test/python3-sklearn:1 offline (mmdebstrap
#     --variant=essential, docker import, plus a fake micromamba) and checks that they run;
#   - starts Debian's docker-registry on 127.0.0.1:PORT with htpasswd (bcrypt) auth for the user
#     amlgo, pushes the sklearn image to it as 127.0.0.1:PORT/amlgo/python3-sklearn:1 and removes
#     that tag locally again, so that a run must pull it;
#   - writes DIR/env.json (mode 0600; it holds the registry password) and prints, as its only
#     output on stdout, the line: export AMLGO_DOCKER_ENV=DIR/env.json
# Running it again reuses what is still running and what is still cached.
# Stop everything with internal/dockertest/teardown.sh DIR.
set -euo pipefail

usage() {
	echo "usage: $0 DIR CACHE" >&2
	exit 2
}
[ $# -eq 2 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1" "$2"
DIR=$(cd "$1" && pwd)
CACHE=$(cd "$2" && pwd)
case $DIR in *[!A-Za-z0-9._/-]*) echo "setup.sh: DIR must match [A-Za-z0-9._/-]+: $DIR" >&2 && exit 2 ;; esac
# The longest socket below DIR is dockerd's containerd.sock.ttrpc.
if [ $((${#DIR} + 45)) -ge 108 ]; then
	echo "setup.sh: DIR is too long for unix sockets below it (keep it under 60 bytes): $DIR" >&2
	exit 2
fi

# Bump RECIPE_VERSION whenever the way a root filesystem is built changes.
RECIPE_VERSION=1
SUITE=bookworm
# Docs, man pages and locales are not needed; nor are C headers and static libraries, which
# python3-scipy drags in through its hard dependency on python3-pythran (g++, libboost-dev, ...):
# without them the sklearn image is about 200 MB smaller.
EXCLUDES=('path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright'
	'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*'
	'path-exclude=/usr/include/*' 'path-exclude=/usr/lib/*.a')
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PYTHON_IMAGE=amlgo-test/python3:1
SKLEARN_IMAGE=amlgo-test/python3-sklearn:1
REGISTRY_USER=amlgo
SOCK=$DIR/docker.sock
export DOCKER_BUILDKIT=0 # legacy builder: there is no buildx here
export TMPDIR=$DIR/tmp   # mmdebstrap's temporary directory
unset DOCKER_HOST DOCKER_CONTEXT

log() { printf 'setup.sh: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}
# dk runs the docker CLI against the private engine, with its config (logins) inside DIR.
dk() { docker --config "$DIR/docker-cli" -H "unix://$SOCK" "$@"; }
py() { if [ -x /usr/bin/python3 ]; then /usr/bin/python3 "$@"; else python3 "$@"; fi; }

[ "$(id -u)" = 0 ] || die "must run as root"
for b in dockerd docker mmdebstrap docker-registry htpasswd curl gzip; do
	command -v "$b" >/dev/null 2>&1 || die "$b not found (apt-get install -y docker.io mmdebstrap docker-registry apache2-utils curl)"
done
getent group docker >/dev/null || groupadd --system docker
mkdir -p "$DIR/tmp" "$DIR/docker-cli" "$DIR/build"
chmod 0755 "$DIR"
chmod 0700 "$DIR/tmp" "$DIR/docker-cli" "$DIR/build"
t0=$SECONDS

# --- dockerd -------------------------------------------------------------------------------------
start_dockerd() {
	if dk version >/dev/null 2>&1; then
		log "dockerd already answers on $SOCK"
		return
	fi
	mkdir -p "$DIR/docker-data" "$DIR/docker-exec"
	# A leftover netns mount of an earlier daemon that was not torn down.
	! mountpoint -q "$DIR/docker-exec/netns/default" 2>/dev/null || umount "$DIR/docker-exec/netns/default"
	rm -f "$SOCK"
	# A pidfile naming a containerd that is gone (or a zombie not reaped yet) makes dockerd wait
	# for it and fail with "timeout waiting for containerd to start".
	local cpid=$DIR/docker-exec/containerd/containerd.pid c
	if [ -s "$cpid" ]; then
		c=$(tr '\0' ' ' 2>/dev/null <"/proc/$(cat "$cpid")/cmdline") || c=
		case $c in *"$DIR/docker-exec/containerd/"*) ;; *) rm -f "$cpid" ;; esac
	fi
	setsid dockerd --host "unix://$SOCK" --group docker \
		--data-root "$DIR/docker-data" --exec-root "$DIR/docker-exec" --pidfile "$DIR/docker.pid" \
		--iptables=false --ip-masq=false --bridge=none \
		</dev/null >>"$DIR/dockerd.log" 2>&1 &
	local pid=$! deadline=$((SECONDS + 60))
	until dk version >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$DIR/dockerd.log" >&2
			die "dockerd exited (log: $DIR/dockerd.log)"
		fi
		if [ $SECONDS -ge $deadline ]; then
			tail -n 30 "$DIR/dockerd.log" >&2
			die "dockerd not ready after 60 s (pid $pid, log: $DIR/dockerd.log)"
		fi
		sleep 0.2
	done
	log "dockerd $(dk version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') ready on $SOCK, pid $pid, in $((SECONDS - t0)) s"
}

# --- base images ---------------------------------------------------------------------------------
# mirror prints the URI of Debian's archive for $SUITE from the apt sources (deb822 or one-line).
mirror() {
	local m=
	if [ -n "${AMLGO_DOCKERTEST_MIRROR:-}" ]; then
		echo "$AMLGO_DOCKERTEST_MIRROR"
		return
	fi
	if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
		m=$(awk -v suite="$SUITE" 'BEGIN { RS = "" }
			{ uri = ""; ok = 0; deb = 0
			  n = split($0, l, "\n")
			  for (i = 1; i <= n; i++) {
			    if (l[i] ~ /^URIs:/) { split(l[i], f, /[ \t]+/); uri = f[2] }
			    if (l[i] ~ /^Suites:/ && (l[i] " ") ~ ("[ \t]" suite "[ \t]")) ok = 1
			    if (l[i] ~ /^Types:/ && (l[i] " ") ~ /[ \t]deb[ \t]/) deb = 1
			  }
			  if (ok && deb && uri != "") { print uri; exit } }' /etc/apt/sources.list.d/*.sources)
	fi
	if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
		m=$(sed -n -E "s/^deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+$SUITE[ \t].*/\2/p" /etc/apt/sources.list | head -n 1)
	fi
	[ -n "$m" ] || die "no apt source for $SUITE in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
	echo "$m"
}

# build_base NAME PACKAGES prints the tag of an imported image with a root filesystem of
# PACKAGES (comma-separated), bootstrapped from the mirror or taken from CACHE.
build_base() {
	local name=$1 pkgs=$2 recipe hash tarball tag tmp s
	recipe=$(printf 'amlgo dockertest rootfs recipe %s\nsuite=%s\nvariant=essential\npackages=%s\nmirror=%s\ndpkgopts=%s\n' \
		"$RECIPE_VERSION" "$SUITE" "$pkgs" "$MIRROR" "${EXCLUDES[*]}")
	hash=$(printf '%s' "$recipe" | sha256sum | cut -d' ' -f1)
	tarball=$CACHE/rootfs-$hash.tar.gz
	tag=amlgo-test/base-$name:${hash:0:12}
	# Base images of earlier recipes (and, in build_final, the images built on them) are garbage.
	dk image ls --format '{{.Repository}}:{{.Tag}}' "amlgo-test/base-$name" | grep -v -x -F "$tag" |
		while read -r old; do dk rmi "$old" >/dev/null 2>&1 || true; done
	if dk image inspect "$tag" >/dev/null 2>&1; then
		log "$tag already imported"
		echo "$tag"
		return
	fi
	if [ -s "$tarball" ] && gzip -t "$tarball" 2>/dev/null; then
		log "using cached $tarball"
	else
		log "bootstrapping $pkgs from $MIRROR with mmdebstrap (about a minute or more) ..."
		s=$SECONDS
		tmp=$tarball.tmp.$$
		local opts=()
		for o in "${EXCLUDES[@]}"; do opts+=("--dpkgopt=$o"); done
		if ! mmdebstrap --variant=essential --include="$pkgs" "${opts[@]}" --format=tar \
			"$SUITE" - "$MIRROR" 2>"$DIR/mmdebstrap-$name.log" | gzip -1 >"$tmp"; then
			rm -f "$tmp"
			tail -n 30 "$DIR/mmdebstrap-$name.log" >&2
			die "mmdebstrap failed (log: $DIR/mmdebstrap-$name.log)"
		fi
		mv -f "$tmp" "$tarball"
		printf '%s\n' "$recipe" >"$CACHE/rootfs-$hash.recipe"
		log "bootstrapped $tarball ($(du -h "$tarball" | cut -f1)) in $((SECONDS - s)) s"
	fi
	s=$SECONDS
	gunzip -c "$tarball" | dk import --change "ENV PATH=$IMAGE_PATH" \
		--message "amlgo dockertest rootfs $hash" - "$tag" >/dev/null
	log "imported $tag in $((SECONDS - s)) s"
	echo "$tag"
}

# build_final BASE TAG adds the fake micromamba to BASE and tags the result TAG.
build_final() {
	local base=$1 tag=$2 ctx
	ctx=$DIR/build/$(echo "$tag" | tr '/:' '__')
	rm -rf "$ctx"
	mkdir -p "$ctx"
	install -m 0755 "$here/micromamba" "$ctx/micromamba"
	cat >"$ctx/Dockerfile" <<DF
FROM $base
# A fake micromamba: conda/micromamba cannot be installed in this offline test environment (only
# Debian's mirror is reachable). See the comment at the top of the script.
COPY micromamba /usr/local/bin/micromamba
LABEL org.amlgo.dockertest.base="$base"
DF
	dk build -q --network none -t "$tag" "$ctx" >/dev/null 2>"$ctx/build.log" ||
		{ cat "$ctx/build.log" >&2 && die "docker build $tag failed"; }
	dk image prune -f --filter label=org.amlgo.dockertest.base >/dev/null
}

# check_image IMAGE runs what the SDK needs inside IMAGE: bash, coreutils, sleep, kill, setsid,
# /proc and the fake micromamba.
check_image() {
	local out
	# shellcheck disable=SC2016 # expanded inside the container
	out=$(dk run --rm --network none "$1" bash -c '
		set -eu
		sleep 30 & p=$!
		read -r stat </proc/$p/stat
		kill -0 "$p"; kill -TERM "$p"; wait "$p" || [ $? -eq 143 ]
		read -r boot </proc/sys/kernel/random/boot_id
		setsid true; date -u +%Y-%m-%dT%H:%M:%S.%NZ >/dev/null; mktemp -d >/dev/null
		printf "dependencies: [python]\n" >/tmp/ok.yml; printf "dependencies: [fail-me]\n" >/tmp/bad.yml
		micromamba create -y -p /tmp/env -f /tmp/ok.yml
		/tmp/env/bin/python -c "import sys; print(sys.version.split()[0])"
		if micromamba create -y -p /tmp/bad -f /tmp/bad.yml 2>&1; then exit 1; else echo "exit $?"; fi
		echo checks-ok') || die "$1 failed its checks: $out"
	case $out in *"fake micromamba: done"*"error: nothing provides fail-me"*"exit 1"*checks-ok*) ;;
	*) die "$1: unexpected check output: $out" ;;
	esac
	log "$1 ok: bash, coreutils, sleep, kill, setsid, /proc, fake micromamba (python $(echo "$out" | sed -n 3p))"
}

# --- registry ------------------------------------------------------------------------------------
REG=$DIR/registry
# is_registry PID succeeds when PID is a docker-registry serving $REG/config.yml.
is_registry() {
	local c
	c=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
	case $c in *"docker-registry serve $REG/config.yml"*) ;; *) return 1 ;; esac
}
reg_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1/v2/" || true; }

start_registry() {
	mkdir -p "$REG/data"
	chmod 0700 "$REG"
	if [ ! -s "$REG/password" ]; then
		(umask 077 && head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$REG/password")
	fi
	PASSWORD=$(cat "$REG/password")
	# -i reads the password from stdin, so it never shows up in a process list.
	printf '%s\n' "$PASSWORD" | htpasswd -Bin "$REGISTRY_USER" >"$REG/htpasswd" 2>/dev/null
	if [ -s "$REG/registry.pid" ] && [ -s "$REG/port" ] && is_registry "$(cat "$REG/registry.pid")" &&
		[ "$(reg_code "$(cat "$REG/port")")" = 401 ]; then
		PORT=$(cat "$REG/port")
		REGPID=$(cat "$REG/registry.pid")
		log "registry already answers on 127.0.0.1:$PORT"
		return
	fi
	if [ -s "$REG/registry.pid" ] && is_registry "$(cat "$REG/registry.pid")"; then kill "$(cat "$REG/registry.pid")"; fi
	local attempt deadline secret
	secret=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	for attempt in 1 2 3 4 5; do
		PORT=$(py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		(umask 077 && cat >"$REG/config.yml" <<YML)
version: 0.1
log:
  level: info
  fields:
    service: amlgo-dockertest-registry
storage:
  filesystem:
    rootdirectory: $REG/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
  secret: $secret
auth:
  htpasswd:
    realm: amlgo-dockertest
    path: $REG/htpasswd
YML
		setsid docker-registry serve "$REG/config.yml" </dev/null >>"$REG/registry.log" 2>&1 &
		REGPID=$!
		deadline=$((SECONDS + 60))
		while kill -0 "$REGPID" 2>/dev/null && [ "$(reg_code "$PORT")" != 401 ] && [ $SECONDS -lt $deadline ]; do
			sleep 0.2
		done
		if [ "$(reg_code "$PORT")" = 401 ] && is_registry "$REGPID"; then
			echo "$REGPID" >"$REG/registry.pid"
			echo "$PORT" >"$REG/port"
			log "registry (docker-registry $(docker-registry --version | awk '{print $3}')) on 127.0.0.1:$PORT, pid $REGPID, answers 401 on /v2/ without credentials"
			return
		fi
		kill "$REGPID" 2>/dev/null || true
		log "registry attempt $attempt on port $PORT failed"
	done
	tail -n 20 "$REG/registry.log" >&2
	die "registry did not start (log: $REG/registry.log)"
}

push_image() {
	local cidrs
	cidrs=$(dk info --format '{{json .RegistryConfig.InsecureRegistryCIDRs}}')
	case $cidrs in *'"127.0.0.0/8"'*) log "engine treats 127.0.0.0/8 as insecure (plain http) registries: $cidrs" ;;
	*) die "engine does not treat 127.0.0.0/8 as an insecure registry: $cidrs" ;;
	esac
	local out
	out=$(printf '%s' "$PASSWORD" | dk login "127.0.0.1:$PORT" -u "$REGISTRY_USER" --password-stdin 2>&1) ||
		die "docker login 127.0.0.1:$PORT failed: $out"
	log "docker login 127.0.0.1:$PORT: $(echo "$out" | grep -E 'Login Succeeded' || echo "$out") (CLI config $DIR/docker-cli)"
	REGISTRY_IMAGE=127.0.0.1:$PORT/amlgo/python3-sklearn:1
	local s=$SECONDS
	dk tag "$SKLEARN_IMAGE" "$REGISTRY_IMAGE"
	dk push -q "$REGISTRY_IMAGE" >/dev/null || die "docker push $REGISTRY_IMAGE failed"
	dk rmi "$REGISTRY_IMAGE" >/dev/null
	log "pushed $REGISTRY_IMAGE in $((SECONDS - s)) s and removed the tag locally"
	# Without credentials the registry refuses; with them it lists the tag (password via stdin).
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/amlgo/python3-sklearn/tags/list")" = 401 ] ||
		die "registry answers without credentials"
	local tags
	tags=$(printf 'user = "%s:%s"\n' "$REGISTRY_USER" "$PASSWORD" |
		curl -s -f -K - "http://127.0.0.1:$PORT/v2/amlgo/python3-sklearn/tags/list") || die "registry refuses amlgo's password"
	case $tags in *'"1"'*) log "registry lists $tags (with credentials; 401 without)" ;;
	*) die "registry does not list amlgo/python3-sklearn:1: $tags" ;;
	esac
}

write_env() {
	local tmp=$DIR/env.json.tmp
	(umask 077 && cat >"$tmp" <<JSON)
{
  "host": "unix://$SOCK",
  "socket": "$SOCK",
  "pidfile": "$DIR/docker.pid",
  "dataRoot": "$DIR/docker-data",
  "execRoot": "$DIR/docker-exec",
  "cliConfig": "$DIR/docker-cli",
  "pythonImage": "$PYTHON_IMAGE",
  "sklearnImage": "$SKLEARN_IMAGE",
  "registry": "127.0.0.1:$PORT",
  "registryUser": "$REGISTRY_USER",
  "registryPassword": "$PASSWORD",
  "registryImage": "$REGISTRY_IMAGE",
  "registryPid": $REGPID
}
JSON
	chmod 0600 "$tmp"
	mv -f "$tmp" "$DIR/env.json"
}

start_dockerd
MIRROR=$(mirror)
base=$(build_base python3 python3)
build_final "$base" "$PYTHON_IMAGE"
base=$(build_base python3-sklearn python3,python3-sklearn)
build_final "$base" "$SKLEARN_IMAGE"
check_image "$PYTHON_IMAGE"
check_image "$SKLEARN_IMAGE"
v=$(dk run --rm --network none "$SKLEARN_IMAGE" python3 -c 'import sklearn; print(sklearn.__version__)') ||
	die "$SKLEARN_IMAGE: import sklearn failed"
log "$SKLEARN_IMAGE: import sklearn ok (scikit-learn $v, --network none)"
start_registry
push_image
write_env
log "ready in $((SECONDS - t0)) s: $DIR/env.json"
echo "export AMLGO_DOCKER_ENV=$DIR/env.json"
