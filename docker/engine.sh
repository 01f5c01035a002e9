#!/usr/bin/env bash
# docker/engine.sh: make sure a Docker engine answers, for RUNNER=container.
#
#   docker/engine.sh          start dockerd if no engine answers (idempotent)
#   docker/engine.sh stop     stop the dockerd this script started, if any
#   docker/engine.sh status   say whether an engine answers (exit 1 if not)
#
# If `docker info` already answers (a CI's engine, Docker Desktop, a dockerd
# started by hand), nothing is done. Otherwise, as root, it starts
#
#   dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2
#
# in the background (log: .cache/docker/dockerd.log, pid: .cache/docker/dockerd.pid)
# and waits at most DOCKER_ENGINE_TIMEOUT seconds (default 60) for it to answer.
# These flags are what works on the suite's machines: no iptables, no bridge
# network (drivers run with --network host). The storage driver is overlay2
# when an overlay mount works on the data root's file system (a probe mount
# says so), else vfs, which works anywhere but copies the whole image for
# every container (measured here: 5-7 s per `docker run` with vfs, 0.2 s with
# overlay2). DOCKERD_STORAGE_DRIVER forces one; DOCKERD_FLAGS replaces all flags.
#
# DOCKER_HOST=unix:///some/path.sock: if nothing answers there, a private
# dockerd is started on that socket, with its data and exec roots under
# .cache/docker/ (so it can run beside the machine's own engine).
# Needs Debian's docker.io (`apt-get install docker.io`).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${DOCKER_ENGINE_STATE:-$root/.cache/docker}
log=$state/dockerd.log
pidfile=$state/dockerd.pid
timeout=${DOCKER_ENGINE_TIMEOUT:-60}

say() { echo "engine.sh: $*" >&2; }
answers() { timeout 10 docker info >/dev/null 2>&1; }

if ! command -v docker >/dev/null 2>&1; then
	say "docker is not installed (Debian: apt-get install docker.io)"
	exit 2
fi

# RUNNER=container needs the engine on this machine: drivers reach the
# suite's runtime on the loopback through host networking. An engine
# elsewhere is refused before anything is sent to it (the suite's Go side
# says the same, internal/container.CheckLocalEngine).
case "${DOCKER_HOST:-}" in
"" | unix://* | npipe://* | tcp://127.* | tcp://localhost:* | tcp://localhost | "tcp://[::1]"* | ssh://localhost* | ssh://*@localhost*) ;;
*)
	say "DOCKER_HOST=$DOCKER_HOST is not on this machine: the drivers' containers reach the suite's runtime and model endpoint on this machine's loopback through host networking, which needs a local engine (unset DOCKER_HOST, or point it at a unix socket here); not contacting it"
	exit 1
	;;
esac

case "${1:-start}" in
status)
	if answers; then
		echo "engine.sh: an engine answers: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)"
		exit 0
	fi
	say "no engine answers"
	exit 1
	;;
stop)
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		pid=$(cat "$pidfile")
		say "stopping dockerd (pid $pid)"
		kill -TERM "$pid"
		for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
		if kill -0 "$pid" 2>/dev/null; then say "dockerd (pid $pid) did not stop in 30 s"; exit 1; fi
		rm -f "$pidfile"
		# A private daemon's network namespace stays mounted under its exec root.
		if mountpoint -q "$state/exec/netns/default" 2>/dev/null; then umount "$state/exec/netns/default" || true; fi
	else
		say "no dockerd started by this script is running"
	fi
	exit 0
	;;
start) ;;
*)
	say "usage: $0 [start|stop|status]"
	exit 2
	;;
esac

answers && exit 0

data_root=/var/lib/docker
private=()
case "${DOCKER_HOST:-}" in
"") ;;
unix://*)
	data_root=$state/data
	private=(-H "$DOCKER_HOST" --data-root "$data_root" --exec-root "$state/exec" --pidfile "$state/docker.pid")
	;;
*)
	say "DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local dockerd for a TCP address"
	exit 1
	;;
esac
if ! command -v dockerd >/dev/null 2>&1; then
	say "no engine answers and dockerd is not installed (Debian: apt-get install docker.io)"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	say "no engine answers, and starting dockerd needs root (run this script as root, or start the engine yourself)"
	exit 1
fi

mkdir -p "$state"
# One starter at a time: `go test ./...` runs packages in parallel, and two
# dockerds on one /var/lib/docker corrupt each other.
exec 9>"$state/engine.lock"
if ! flock -w "$timeout" 9; then
	say "another docker/engine.sh held $state/engine.lock for ${timeout}s"
	exit 1
fi
answers && exit 0

# Would overlay2 work on the data root's file system? (Not on overlayfs
# itself, as in a container, nor where mounting is not allowed.)
overlay_works() {
	local d
	mkdir -p "$data_root" || return 1
	d=$(mktemp -d "$data_root/.overlay-probe.XXXXXX") || return 1
	mkdir "$d/l" "$d/u" "$d/w" "$d/m"
	local ok=1
	if mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null; then
		umount "$d/m" && ok=0
	fi
	rm -rf "$d"
	return $ok
}

started=
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
	say "dockerd (pid $(cat "$pidfile")) is running but does not answer yet; waiting"
else
	if [ -n "${DOCKERD_FLAGS:-}" ]; then
		flags=$DOCKERD_FLAGS
	else
		storage=${DOCKERD_STORAGE_DRIVER:-}
		if [ -z "$storage" ]; then
			if overlay_works; then storage=overlay2; else storage=vfs; fi
		fi
		flags="--iptables=false --ip6tables=false --bridge=none --storage-driver=$storage"
	fi
	say "no engine answers: starting dockerd $flags ${private[*]} (log: $log)"
	# setsid: the engine is a service, not a child of whoever asked for it;
	# Ctrl-C on a test run must not take it down mid-build.
	# shellcheck disable=SC2086
	setsid dockerd $flags "${private[@]}" >>"$log" 2>&1 </dev/null &
	echo $! >"$pidfile"
	started=$SECONDS
fi

pid=$(cat "$pidfile")
deadline=$((SECONDS + timeout))
until answers; do
	if ! kill -0 "$pid" 2>/dev/null; then
		say "dockerd exited while starting; last lines of $log:"
		tail -n 20 "$log" >&2
		rm -f "$pidfile"
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		say "dockerd (pid $pid) did not answer within ${timeout}s; last lines of $log:"
		tail -n 20 "$log" >&2
		exit 1
	fi
	sleep 0.5
done
[ -n "$started" ] && say "engine answers after $((SECONDS - started))s (dockerd pid $pid; stop it with: $0 stop)"
exit 0
