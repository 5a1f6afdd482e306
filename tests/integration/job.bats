#!/usr/bin/env bats
# carve.job: permeable containers with the same job name share a /dev/shm
# of their own (a tmpfs at jobs/NAME beside the node ledger, mounted in the
# host's mount namespace), which other jobs and the host do not see, and
# which is gone with the job's last container.

load helpers

setup() {
	setup_common
	ROOT2="$BATS_TEST_TMPDIR/carve-root2"
	LEDGER="$BATS_TEST_TMPDIR/ledger/ledger"
	JOBS="$BATS_TEST_TMPDIR/ledger/jobs"
	export CARVE_CONFIG="$BATS_TEST_TMPDIR/carve.json"
	echo "{\"ledger\": \"$LEDGER\"}" >"$CARVE_CONFIG"
	HOST_SHM="/dev/shm/carve-test-$ID-host"
	# A job name of this test's own, for the node's default jobs directory.
	NODE_JOB="carve-test-$$-$BATS_TEST_NUMBER"
}

teardown() {
	local id d
	if [ -d "$ROOT2" ]; then
		for id in $(ls "$ROOT2"); do
			"$CARVE_BINARY" --root "$ROOT2" delete -f "$id" >/dev/null 2>&1
		done
	fi
	teardown_common
	rm -f "$HOST_SHM"
	# A last resort when the test failed half-way: only this test's jobs.
	for d in "$JOBS"/* "/run/carve/jobs/$NODE_JOB"; do
		[ -d "$d" ] || continue
		while mountpoint -q "$d"; do umount -l "$d" || break; done
		rmdir "$d" 2>/dev/null
	done
	return 0
}

job() {
	update_config ".annotations = {\"carve.job\": \"$1\"}"
}

run_in_job() {
	local root=$1 name=$2 id=$3
	job "$name"
	"$CARVE_BINARY" --root "$root" create --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/$id.out" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/$id.out"
		return 1
	}
	"$CARVE_BINARY" --root "$root" start "$id"
}

# The mount of directory $1 in the host's mount namespace (PID 1's).
host_mount_of() {
	awk -v d="$1" '$5 == d' /proc/1/mountinfo
}

# Nothing of job $1 is left: no mount, no directory, no ledger setting.
# (Other jobs' containers may still hold partitions of the ledger.)
assert_job_gone() {
	local dir=$1
	[ -z "$(host_mount_of "$dir")" ] || { echo "still mounted: $(host_mount_of "$dir")" >&2; return 1; }
	[ ! -e "$dir" ] || { echo "$dir left behind" >&2; return 1; }
	if [ -r "$LEDGER" ]; then
		[ "$(jq --arg d "$dir" '[.settings[] | select(.path == $d)] | length' "$LEDGER")" = 0 ]
	fi
}

@test "job: two containers of job A share /dev/shm; job B, a plain container and the host do not see it" {
	echo "the host's" >"$HOST_SHM"
	# Two --root values, as two clients (Docker's and Podman's carve) pass.
	run_in_job "$TEST_ROOT" A "$ID-a1"
	run_in_job "$ROOT2" A "$ID-a2"
	run_in_job "$TEST_ROOT" B "$ID-b"
	update_config 'del(.annotations)'
	carve_create --bundle "$BUNDLE" "$ID-plain"
	carve start "$ID-plain"

	# One tmpfs for the job, in the host's mount namespace, recorded with
	# both containers as its users.
	[[ "$(host_mount_of "$JOBS/A")" == *" - tmpfs "* ]]
	[ "$(jq -c --arg d "$JOBS/A" '.settings[] | select(.kind == "mount" and .path == $d) | .users | sort' "$LEDGER")" = \
		"$(jq -cn --arg a "$TEST_ROOT/$ID-a1" --arg b "$ROOT2/$ID-a2" '[$a, $b] | sort')" ]

	carve exec "$ID-a1" sh -c 'echo from-a1 > /dev/shm/job-file'
	[ "$("$CARVE_BINARY" --root "$ROOT2" exec "$ID-a2" cat /dev/shm/job-file)" = from-a1 ]
	"$CARVE_BINARY" --root "$ROOT2" exec "$ID-a2" sh -c 'echo from-a2 >> /dev/shm/job-file'
	[ "$(carve exec "$ID-a1" cat /dev/shm/job-file)" = "from-a1
from-a2" ]
	# Job B has its own, the plain container and the host have the host's.
	run carve exec "$ID-b" cat /dev/shm/job-file
	[ "$status" -ne 0 ]
	[ -z "$(carve exec "$ID-b" ls /dev/shm)" ]
	run carve exec "$ID-plain" cat /dev/shm/job-file
	[ "$status" -ne 0 ]
	[ ! -e /dev/shm/job-file ]
	# Nor does the job see the host's /dev/shm.
	run carve exec "$ID-a1" cat "$HOST_SHM"
	[ "$status" -ne 0 ]
	[ "$(carve exec "$ID-plain" cat "$HOST_SHM")" = "the host's" ]
	# A job is not a boundary beyond /dev/shm (docs/isolation.md): B's
	# process reaches A's through /proc/PID/root.
	local a1pid
	a1pid=$(carve state "$ID-a1" | jq .pid)
	[ "$(carve exec "$ID-b" cat "/proc/$a1pid/root/dev/shm/job-file")" = "from-a1
from-a2" ]

	# The first one gone, the second keeps the job's memory.
	carve delete -f "$ID-a1"
	[ -n "$(host_mount_of "$JOBS/A")" ]
	[ "$("$CARVE_BINARY" --root "$ROOT2" exec "$ID-a2" cat /dev/shm/job-file)" = "from-a1
from-a2" ]
	"$CARVE_BINARY" --root "$ROOT2" delete -f "$ID-a2"
	assert_job_gone "$JOBS/A"
	[ -n "$(host_mount_of "$JOBS/B")" ]
	carve delete -f "$ID-b"
	carve delete -f "$ID-plain"
	assert_job_gone "$JOBS/B"
	[ "$(jq '.settings | length' "$LEDGER")" = 0 ]
	[ "$(jq '.partitions | length' "$LEDGER")" = 0 ]
	# The next container of the job starts with an empty one.
	run_in_job "$TEST_ROOT" A "$ID-a3"
	[ -z "$(carve exec "$ID-a3" ls /dev/shm)" ]
	carve delete -f "$ID-a3"
	assert_job_gone "$JOBS/A"
}

@test "job: with the node's default ledger the job's /dev/shm is /run/carve/jobs/NAME" {
	echo '{}' >"$CARVE_CONFIG"
	LEDGER=/run/carve/ledger
	run_in_job "$TEST_ROOT" "$NODE_JOB" "$ID"
	[[ "$(host_mount_of "/run/carve/jobs/$NODE_JOB")" == *" - tmpfs "* ]]
	carve exec "$ID" sh -c 'echo x > /dev/shm/f'
	[ "$(cat "/run/carve/jobs/$NODE_JOB/f")" = x ]
	[ "$(jq --arg d "/run/carve/jobs/$NODE_JOB" '[.settings[] | select(.kind == "mount" and .path == $d)] | length' "$LEDGER")" = 1 ]
	carve delete -f "$ID"
	[ -z "$(host_mount_of "/run/carve/jobs/$NODE_JOB")" ]
	[ ! -e "/run/carve/jobs/$NODE_JOB" ]
	[ "$(jq --arg d "/run/carve/jobs/$NODE_JOB" '[.settings[] | select(.path == $d)] | length' "$LEDGER")" = 0 ]
	[ "$(jq --arg r "$TEST_ROOT" '[.partitions[] | select(.root == $r)] | length' "$LEDGER")" = 0 ]
}

@test "job: bad names fail create naming annotations.carve.job, and leave nothing" {
	local bad long
	long=$(printf 'a%.0s' $(seq 65))
	for bad in "" / .. . ../x a/b "a b" '$(id)' "-x" "$long"; do
		echo "--- '$bad'"
		job "$bad"
		carve_create --bundle "$BUNDLE" "$ID" || true
		[ "$status" -eq 1 ]
		[[ "$output" == "carve: annotations.carve.job: "* ]]
		[ "$(wc -l <<<"$output")" -eq 1 ]
		[ ! -e "$TEST_ROOT/$ID" ]
		[ ! -e "$LEDGER" ] || [ "$(jq '.partitions | length' "$LEDGER")" = 0 ]
		[ -z "$(ls -A "$JOBS" 2>/dev/null)" ]
	done
	# A newline in the value stays on the one line of the error.
	update_config '.annotations = {"carve.job": "a\nb"}'
	carve_create --bundle "$BUNDLE" "$ID" || true
	[ "$status" -eq 1 ]
	[ "$output" = 'carve: annotations.carve.job: `a\x0ab` is not a job name: letters, digits, `.`, `_` and `-`, first a letter or a digit' ]
}

@test "job: the host's / as root.path fails create; oci mode ignores the key with a warning" {
	job A
	update_config '.root.path = "/" | .root.readonly = false'
	carve_create --bundle "$BUNDLE" "$ID" || true
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.job: \`A\`: the job's /dev/shm is mounted in the container's own mount namespace, and this container has none (root.path is the host's \`/\`)"* ]]
	[ ! -e "$TEST_ROOT/$ID" ]
	[ ! -e "$JOBS/A" ]
	[ ! -e "$LEDGER" ] || [ "$(jq '.partitions | length' "$LEDGER")" = 0 ]

	job A
	update_config '.root.path = "rootfs"'
	echo "the host's" >"$HOST_SHM"
	"$CARVE_BINARY" --root "$TEST_ROOT" --isolation oci create --bundle "$BUNDLE" "$ID" </dev/null \
		>"$BATS_TEST_TMPDIR/oci.out" 2>&1
	cat "$BATS_TEST_TMPDIR/oci.out"
	# The warning is kept in the state (stderr is the job's, without --debug).
	[ ! -s "$BATS_TEST_TMPDIR/oci.out" ]
	carve state "$ID" | jq -r '."carve.warnings" // [] | .[]' >"$BATS_TEST_TMPDIR/oci.warnings"
	grep -qF "annotations.carve.job ignored: in oci mode the container has its own IPC namespace and /dev/shm" \
		"$BATS_TEST_TMPDIR/oci.warnings"
	[ ! -e "$JOBS/A" ]
	[ ! -e "$LEDGER" ] || [ "$(jq '.partitions | length' "$LEDGER")" = 0 ]
	# Its /dev/shm is the spec's own tmpfs: neither the host's nor a job's.
	run carve exec "$ID" cat "$HOST_SHM"
	[ "$status" -ne 0 ]
	carve delete -f "$ID"
}

@test "job: a user namespace's container of the job gets the same /dev/shm" {
	run_in_job "$TEST_ROOT" A "$ID-a"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	mountpoint -q /dev/mqueue || update_config '.mounts |= map(select(.destination != "/dev/mqueue"))'
	# The namespace's root (the host's 100000) must reach the rootfs, as
	# with runc; the job's directory under the 0700 ledger directory it
	# never needs to reach.
	chmod o+x "$BATS_RUN_TMPDIR"
	run_in_job "$TEST_ROOT" A "$ID-u"
	carve exec "$ID-a" sh -c 'echo from-a > /dev/shm/f'
	[ "$(carve exec "$ID-u" cat /dev/shm/f)" = from-a ]
	carve exec "$ID-u" sh -c 'echo from-u > /dev/shm/g'
	[ "$(carve exec "$ID-a" cat /dev/shm/g)" = from-u ]
	carve delete -f "$ID-u"
	carve delete -f "$ID-a"
	assert_job_gone "$JOBS/A"
}
