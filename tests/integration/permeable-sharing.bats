#!/usr/bin/env bats
# What permeable mode does not protect (docs/isolation.md, "What permeable
# mode does not protect"): each fact the docs state is shown here, with the
# default spec (`carve spec`), so the docs stay true.  Nothing here touches
# a process or file the test did not make: the victim is a sleep this test
# started, the files are the test's own.

load helpers

VICTIM_PID=

setup() {
	setup_common
	BUNDLE2="$BATS_TEST_TMPDIR/bundle2"
	mkdir -p "$BUNDLE2"
	cp -a "$(suite_rootfs)" "$BUNDLE2/rootfs"
	cp "$BUNDLE/config.json" "$BUNDLE2/config.json"
	HOST_SHM="/dev/shm/carve-test-$ID-host"
	MADE_SHM="/dev/shm/carve-test-$ID-made"
}

teardown() {
	teardown_common
	if [ -n "$VICTIM_PID" ]; then
		kill -9 "$VICTIM_PID" 2>/dev/null
		wait "$VICTIM_PID" 2>/dev/null
	fi
	rm -f "$HOST_SHM" "$MADE_SHM"
	return 0
}

# CAP_KILL (bit 5) in the effective set of process $1.
has_cap_kill() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$1/status")
	(((16#$eff >> 5) & 1))
}

start_default() {
	local bundle=$1 id=$2
	carve_create --bundle "$bundle" "$id"
	carve start "$id"
	wait_for_status "$id" running
}

@test "permeable-sharing: the spec is carve's default one: root, CAP_KILL, no user namespace" {
	# What the tests below rely on, checked once: a container made by
	# `carve spec` runs as root with CAP_KILL, in the host's user and PID
	# namespaces.
	[ "$(jq -r '.process.user.uid' "$BUNDLE/config.json")" = 0 ]
	jq -e '.process.capabilities.effective | index("CAP_KILL")' "$BUNDLE/config.json"
	[ -z "$(jq -r '.linux.namespaces[] | select(.type == "user")' "$BUNDLE/config.json")" ]
	start_default "$BUNDLE" "$ID"
	local pid
	pid=$(carve state "$ID" | jq .pid)
	has_cap_kill "$pid"
	[ "$(readlink /proc/$pid/ns/pid)" = "$(readlink /proc/self/ns/pid)" ]
	[ "$(readlink /proc/$pid/ns/user)" = "$(readlink /proc/self/ns/user)" ]
}

@test "permeable-sharing: a container's root kills a host process (CAP_KILL in the host's PID space)" {
	# A host root process that is not the container's: a sleep of this test.
	sleep 1000 &
	VICTIM_PID=$!
	kill -0 "$VICTIM_PID"
	start_default "$BUNDLE" "$ID"
	run carve exec "$ID" kill -KILL "$VICTIM_PID"
	echo "$output"
	[ "$status" -eq 0 ]
	local st=0
	wait "$VICTIM_PID" || st=$?
	VICTIM_PID=
	# Killed by SIGKILL (128 + 9), from inside the container.
	[ "$st" -eq 137 ]
}

@test "permeable-sharing: a container reads another container's /proc/PID/environ" {
	update_config ".process.env += [\"CARVE_TEST_SECRET=s3cret-$ID\"]"
	start_default "$BUNDLE" "$ID-a"
	start_default "$BUNDLE2" "$ID-b"
	local apid
	apid=$(carve state "$ID-a" | jq .pid)
	# B's config has no such variable: what B prints can only be A's.
	[ -z "$(jq -r '.process.env[] | select(startswith("CARVE_TEST_SECRET"))' "$BUNDLE2/config.json")" ]
	run carve exec "$ID-b" sh -c "tr '\\0' '\\n' < /proc/$apid/environ"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CARVE_TEST_SECRET=s3cret-$ID"* ]]
}

@test "permeable-sharing: a container writes into another container's root through /proc/PID/root" {
	[ "$(jq -r .root.readonly "$BUNDLE/config.json")" = true ]
	start_default "$BUNDLE" "$ID-a"
	start_default "$BUNDLE2" "$ID-b"
	local apid
	apid=$(carve state "$ID-a" | jq .pid)
	# The default spec's root is read-only, its /dev a tmpfs of A's own
	# mount namespace: B writes there all the same.
	run carve exec "$ID-b" sh -c "echo planted-by-b > /proc/$apid/root/dev/planted"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(carve exec "$ID-a" cat /dev/planted)" = planted-by-b ]
	run carve exec "$ID-b" cat /dev/planted
	[ "$status" -ne 0 ]
}

@test "permeable-sharing: with a writable root (as Docker and Podman make it), anywhere in it" {
	update_config '.root.readonly = false'
	cp "$BUNDLE/config.json" "$BUNDLE2/config.json"
	start_default "$BUNDLE" "$ID-a"
	start_default "$BUNDLE2" "$ID-b"
	local apid
	apid=$(carve state "$ID-a" | jq .pid)
	[ ! -e "$BUNDLE/rootfs/bin/planted" ]
	run carve exec "$ID-b" sh -c "echo planted-by-b > /proc/$apid/root/bin/planted"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(carve exec "$ID-a" cat /bin/planted)" = planted-by-b ]
	[ "$(cat "$BUNDLE/rootfs/bin/planted")" = planted-by-b ]
	[ ! -e "$BUNDLE2/rootfs/bin/planted" ]
}

@test "permeable-sharing: a container creates and deletes files in the host's /dev/shm" {
	echo "the host's" >"$HOST_SHM"
	start_default "$BUNDLE" "$ID"
	run carve exec "$ID" sh -c "cat $HOST_SHM && rm $HOST_SHM && echo from-the-container > $MADE_SHM"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "the host's" ]
	[ ! -e "$HOST_SHM" ]
	[ "$(cat "$MADE_SHM")" = from-the-container ]
	# And what it made outlives it.
	carve delete -f "$ID"
	[ -e "$MADE_SHM" ]
}
