// Package dockertest gives tests a real Docker engine. Only _test.go files import it.
//
// The shared environment is made once, outside the tests, by
//
//	internal/dockertest/setup.sh DIR CACHE   # as root; prints: export AMLGO_DOCKER_ENV=DIR/env.json
//
// (.ci/run does this). It runs a private dockerd (Debian's docker.io, no bridge, no iptables) on
// unix://DIR/docker.sock, whose socket group is docker; two images built offline from Debian's
// mirror, amlgo-test/python3:1 and amlgo-test/python3-sklearn:1, each with bash, coreutils and a
// FAKE micromamba at /usr/local/bin/micromamba (conda cannot be installed in the test
// environment: "micromamba create -y -p PREFIX -f SPEC" links PREFIX/bin/python to the image's
// python3, or fails with "error: nothing provides fail-me" when SPEC contains fail-me); and a
// registry on 127.0.0.1:PORT with basic auth holding 127.0.0.1:PORT/amlgo/python3-sklearn:1,
// which is not present in the engine, so a run must pull it. internal/dockertest/teardown.sh DIR
// stops it. Require hands a test that environment, or skips it (fails it under
// AMLGO_REQUIRE_INTEGRATION=1) when it is not there.
//
// Tests that stop, restart or kill the engine use a Daemon of their own (StartDaemon), so that
// they do not disturb the tests that share the environment; LoadImage copies an image into it.
// GrantUser lets an OS user (the sshtest "VM" user) reach the shared engine's socket.
//
// The package talks to the engines with net/http over their unix sockets (the Engine API), not
// with a Docker client library.
package dockertest
