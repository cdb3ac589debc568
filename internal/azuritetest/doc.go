// Package azuritetest runs Azurite, Microsoft's Azure Storage emulator, for tests and
// benchmarks: a private blob service on a free 127.0.0.1 port, in memory, with the emulator's
// well-known development account, plus what a test needs around it (a shared-key client, a
// connection string, container SAS URLs like the ones Azure ML's startPendingUpload returns).
//
// The emulator comes from npm: .ci/run installs the exact version pinned in
// .ci/azurite/package-lock.json and exports AMLGO_AZURITE, the path of its azurite-blob
// script. By hand:
//
//	mkdir -p /tmp/azurite && cp .ci/azurite/package*.json /tmp/azurite/
//	(cd /tmp/azurite && npm ci --no-audit --no-fund)
//	export AMLGO_AZURITE=/tmp/azurite/node_modules/.bin/azurite-blob
//
// Without it, Start skips the test (fails it under AMLGO_REQUIRE_INTEGRATION=1).
//
// Each Start launches its own emulator (about a second on two cores) and stops it in
// t.Cleanup, so tests never see each other's containers. The script is executed directly
// (its "#!/usr/bin/env node" line makes the process node itself, not npx's chain of three), so
// the PID Stop signals is the server's, and on Linux the server is killed with the process
// that started it. Azurite runs with --inMemoryPersistence (nothing on disk, faster),
// --skipApiVersionCheck (azblob sends a newer x-ms-version than Azurite knows),
// --disableTelemetry and --silent. It speaks plain http, so SAS tokens are signed for
// https and http.
package azuritetest
