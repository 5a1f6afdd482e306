#!/usr/bin/env bats
# Isolation modes: what permeable mode shares with the host and what oci
# mode creates or joins, the job split over two permeable containers, and
# how the mode is chosen (node config, carve.isolation, --isolation).

load helpers

HELPER_PIDS=()

teardown() {
	local p
	teardown_common
	teardown_netns
	for p in "${HELPER_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	rm -f "/dev/shm/carve-test-$ID"
	return 0
}

# Every namespace kind of config-linux.md, time where the kernel has it.
all_namespaces() {
	local time=""
	[ -e /proc/self/ns/time ] && time=', {"type": "time"}'
	update_config ".linux.namespaces = [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},
		{\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}$time]"
}

# ns_of PID KIND: the namespace link of process PID.
ns_of() {
	readlink "/proc/$1/ns/$2"
}

check_namespaces() {
	local pid kind
	echo "shared memory of the host" >"/dev/shm/carve-test-$ID"
	carve_iso create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	pid=$(carve state "$CID" | jq .pid)
	# Started: a new time namespace is entered at the exec.
	carve start "$CID"
	wait_for_status "$CID" running
	for _ in $(seq 1 50); do
		[ "$(readlink "/proc/$pid/exe")" = "/bin/busybox" ] && break
		sleep 0.02
	done
	for kind in pid net ipc uts cgroup time; do
		[ -e "/proc/self/ns/$kind" ] || continue
		echo "$kind: host $(ns_of self "$kind"), container $(ns_of "$pid" "$kind")"
		if [ "$ISOLATION" = permeable ]; then
			[ "$(ns_of "$pid" "$kind")" = "$(ns_of self "$kind")" ]
		else
			[ "$(ns_of "$pid" "$kind")" != "$(ns_of self "$kind")" ]
		fi
	done
	# Both have a mount namespace showing the image, and no user namespace
	# was asked for.
	[ "$(ns_of "$pid" mnt)" != "$(ns_of self mnt)" ]
	[ "$(ns_of "$pid" user)" = "$(ns_of self user)" ]
	[ -x "/proc/$pid/root/bin/busybox" ]
	[ ! -e "/proc/$pid/root/etc/debian_version" ]
	if [ "$ISOLATION" = permeable ]; then
		# The host's /dev/shm, and the host's PIDs: the pid carve reports
		# is the process's only one.
		[ "$(cat "/proc/$pid/root/dev/shm/carve-test-$ID")" = "shared memory of the host" ]
		[ "$(awk '/^NSpid:/ { print NF - 1 }' "/proc/$pid/status")" -eq 1 ]
	else
		[ ! -e "/proc/$pid/root/dev/shm/carve-test-$ID" ]
		[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status")" -eq 1 ]
	fi
	carve delete -f "$CID"
}

@test "permeable shares the host's pid, net, ipc, uts, cgroup, time namespaces and /dev/shm; oci creates them" {
	all_namespaces
	for_each_isolation check_namespaces
}

check_joined() {
	local pid kind
	carve_iso create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	pid=$(carve state "$CID" | jq .pid)
	for kind in net ipc uts pid; do
		echo "$kind: container $(ns_of "$pid" "$kind"), given $(ns_of "$HELPER" "${kind/pid/pid_for_children}")"
		[ "$(ns_of "$pid" "$kind")" = "$(ns_of "$HELPER" "${kind/pid/pid_for_children}")" ]
	done
	carve delete -f "$CID"
}

@test "namespaces with a path were made by the client: both modes join them" {
	# --kill-child: the forked sleep dies with unshare (teardown kills it).
	unshare --net --ipc --uts --pid --fork --kill-child sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	HELPER=$!
	HELPER_PIDS+=("$HELPER")
	# unshare has run once the namespaces differ from ours.
	for _ in $(seq 1 100); do
		[ "$(ns_of "$HELPER" net)" != "$(ns_of self net)" ] && break
		sleep 0.02
	done
	update_config ".linux.namespaces = [{\"type\": \"mount\"},
		{\"type\": \"pid\", \"path\": \"/proc/$HELPER/ns/pid_for_children\"},
		{\"type\": \"network\", \"path\": \"/proc/$HELPER/ns/net\"},
		{\"type\": \"ipc\", \"path\": \"/proc/$HELPER/ns/ipc\"},
		{\"type\": \"uts\", \"path\": \"/proc/$HELPER/ns/uts\"}]"
	for_each_isolation check_joined
}

check_userns() {
	carve_iso create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	local pid
	pid=$(carve state "$CID" | jq .pid)
	[ "$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")" = "0 100000 65536" ]
	[ "$(awk '{ print $1, $2, $3 }' "/proc/$pid/gid_map")" = "0 100000 65536" ]
	[ "$(ns_of "$pid" user)" != "$(ns_of self user)" ]
	# Its root is the host's 100000.
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = 100000 ]
	# exec joins the user namespace too, as its root.
	carve start "$CID"
	run -0 carve exec "$CID" sh -c 'id -u; cat /proc/self/uid_map'
	[ "$(echo $output)" = "0 0 100000 65536" ]
	if [ "$ISOLATION" = permeable ]; then
		[ "$(ns_of "$pid" pid)" = "$(ns_of self pid)" ]
		[ "$(ns_of "$pid" net)" = "$(ns_of self net)" ]
		# /proc is the host's (a user namespace cannot mount one for the
		# host's PID namespace): host PIDs inside.
		[ -d "/proc/$pid/root/proc/$$" ]
	else
		[ "$(ns_of "$pid" pid)" != "$(ns_of self pid)" ]
		[ ! -d "/proc/$pid/root/proc/$$" ]
	fi
	carve delete -f "$CID"
	assert_no_leftovers "$CID"
}

@test "a requested user namespace and its id mappings: honoured in permeable mode, as in oci mode" {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	# A user namespace may not mount mqueue for the host's IPC namespace:
	# carve binds the host's /dev/mqueue instead, when the host has one.
	mountpoint -q /dev/mqueue || update_config '.mounts |= map(select(.destination != "/dev/mqueue"))'
	# The namespace's root (the host's 100000) must reach the rootfs, as
	# with runc: bats makes its run directory 0700.
	chmod o+x "$BATS_RUN_TMPDIR"
	for_each_isolation check_userns
}

@test "two permeable containers of one job talk through POSIX shared memory and loopback, and see each other's PIDs" {
	install_helper shm-peer
	local name="carve-test-$ID" port=$((20000 + RANDOM % 20000))
	# A offers its PID in shared memory, reads B's back, checks B is alive,
	# then listens on the loopback.  B answers with its PID, checks A is
	# alive, and sends a line to A over the loopback.
	cat >"$BUNDLE/rootfs/bin/peer-a" <<EOF
#!/bin/sh
bpid=\$(shm-peer serve $name "\$\$") || exit 1
kill -0 "\$bpid" && echo "a sees b: \$bpid"
echo "a listens"
nc -l -p $port
EOF
	cat >"$BUNDLE/rootfs/bin/peer-b" <<EOF
#!/bin/sh
apid=\$(shm-peer reply $name "\$\$") || exit 1
kill -0 "\$apid" && echo "b sees a: \$apid"
echo "b: \$\$"
for i in \$(seq 1 200); do
	echo "hello from b over loopback" | nc 127.0.0.1 $port 2>/dev/null && exit 0
	usleep 50000
done
exit 1
EOF
	chmod 755 "$BUNDLE/rootfs/bin/peer-a" "$BUNDLE/rootfs/bin/peer-b"
	update_config '.process.args = ["/bin/peer-a"]'
	"$CARVE_BINARY" --root "$TEST_ROOT" create --bundle "$BUNDLE" "$ID-a" \
		</dev/null >"$BATS_TEST_TMPDIR/a.out" 2>&1
	carve start "$ID-a"
	local apid
	apid=$(carve state "$ID-a" | jq .pid)
	# The object A made is in the host's /dev/shm.
	for _ in $(seq 1 100); do
		[ -e "/dev/shm/$name" ] && break
		sleep 0.02
	done
	[ -e "/dev/shm/$name" ]

	update_config '.process.args = ["/bin/peer-b"]'
	run -0 carve run --bundle "$BUNDLE" "$ID-b"
	echo "b: $output"
	[[ "$output" == *"b sees a: $apid"* ]]
	local bpid
	bpid=$(sed -n 's/^b: //p' <<<"$output")
	wait_for_status "$ID-a" stopped
	echo "a: $(cat "$BATS_TEST_TMPDIR/a.out")"
	grep -qx "a sees b: $bpid" "$BATS_TEST_TMPDIR/a.out"
	grep -qx "hello from b over loopback" "$BATS_TEST_TMPDIR/a.out"
	# The PIDs they exchanged are host PIDs: A's is the one carve reports.
	[ ! -e "/dev/shm/$name" ]
	carve delete "$ID-a"
}

# --- how the mode is chosen ------------------------------------------------

# The mode a container got: oci ones have their own network namespace.
mode_of() {
	local pid
	pid=$(carve state "$1" | jq .pid)
	if [ "$(ns_of "$pid" net)" = "$(ns_of self net)" ]; then echo permeable; else echo oci; fi
}

@test "the node config sets the default mode; carve.isolation overrides it; --isolation overrides both" {
	export CARVE_CONFIG="$BATS_TEST_TMPDIR/carve.json"
	echo '{"isolation": "oci"}' >"$CARVE_CONFIG"
	carve create --bundle "$BUNDLE" "$ID-node" </dev/null >/dev/null 2>&1
	[ "$(mode_of "$ID-node")" = oci ]
	update_config '.annotations["carve.isolation"] = "permeable"'
	carve create --bundle "$BUNDLE" "$ID-annotation" </dev/null >/dev/null 2>&1
	[ "$(mode_of "$ID-annotation")" = permeable ]
	carve --isolation oci create --bundle "$BUNDLE" "$ID-flag" </dev/null >/dev/null 2>&1
	[ "$(mode_of "$ID-flag")" = oci ]
	# Without a node config file: permeable.
	export CARVE_CONFIG="$BATS_TEST_TMPDIR/none.json"
	update_config 'del(.annotations)'
	carve create --bundle "$BUNDLE" "$ID-default" </dev/null >/dev/null 2>&1
	[ "$(mode_of "$ID-default")" = permeable ]
	update_config '.annotations["carve.isolation"] = "oci"'
	carve --isolation permeable create --bundle "$BUNDLE" "$ID-flag2" </dev/null >/dev/null 2>&1
	[ "$(mode_of "$ID-flag2")" = permeable ]
}

@test "a bad node config fails create naming the file and the key, and leaves nothing" {
	export CARVE_CONFIG="$BATS_TEST_TMPDIR/carve.json"
	local bad
	while IFS='|' read -r bad want; do
		echo "$bad" >"$CARVE_CONFIG"
		run --separate-stderr "$CARVE_BINARY" --root "$TEST_ROOT" create --bundle "$BUNDLE" "$ID"
		echo "$bad -> $status: $stderr"
		[ "$status" -eq 1 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == "carve: node config \`$CARVE_CONFIG\`: "*"$want"* ]]
		assert_no_leftovers "$ID"
		[ -z "$(carve list -q)" ]
	done <<'EOF'
{"isolation": "sealed"}|isolation: `sealed` is not `permeable` or `oci`
{"isolation": "oci",|invalid JSON
{"isolation": 1}|isolation: expected a string
{"frobnicate": true}|unknown node setting "frobnicate"
EOF
}

# --- namespaces a client made: a pod's network ------------------------------

# A network namespace of the test's own (never the machine's), with
# interfaces the host does not have (a veth pair, both ends inside: this
# node's kernel has no dummy driver); teardown_netns deletes it.
make_pod_netns() {
	NETNS="carve-test-$$-$BATS_TEST_NUMBER"
	ip netns add "$NETNS"
	ip -n "$NETNS" link add "cv$BATS_TEST_NUMBER-pod" type veth peer name "cv$BATS_TEST_NUMBER-peer"
	ip -n "$NETNS" link set lo up
}

teardown_netns() {
	[ -n "$NETNS" ] && ip netns delete "$NETNS" 2>/dev/null
	return 0
}

@test "permeable: the containers of one pod join the network namespace the client made, and see its interfaces" {
	command -v ip >/dev/null || skip "no ip(8) (apt-get install iproute2)"
	make_pod_netns
	update_config ".linux.namespaces = [{\"type\": \"mount\"}, {\"type\": \"pid\"},
		{\"type\": \"network\", \"path\": \"/run/netns/$NETNS\"}]
		| .process.args = [\"sh\", \"-c\", \"cat /proc/net/dev; sleep 1000\"]"
	local a b pa pb
	carve_create --bundle "$BUNDLE" "$ID-a"
	carve_create --bundle "$BUNDLE" "$ID-b"
	pa=$(carve state "$ID-a" | jq .pid)
	pb=$(carve state "$ID-b" | jq .pid)
	# One pod: both in the namespace that was given, the host's PID
	# namespace still shared (permeable).
	[ "$(ns_of "$pa" net)" = "$(readlink -f /run/netns/$NETNS | xargs stat -L -c 'net:[%i]')" ]
	[ "$(ns_of "$pa" net)" = "$(ns_of "$pb" net)" ]
	[ "$(ns_of "$pa" net)" != "$(ns_of self net)" ]
	[ "$(ns_of "$pa" pid)" = "$(ns_of self pid)" ]
	run -0 carve exec "$ID-a" cat /proc/net/dev
	echo "$output"
	# The pod's interfaces and its loopback, none of the host's.
	[ "$(awk -F: 'NF > 1 { gsub(/ /, "", $1); print $1 }' <<<"$output" | sort | xargs)" = "cv$BATS_TEST_NUMBER-peer cv$BATS_TEST_NUMBER-pod lo" ]
	carve delete -f "$ID-a"
	carve delete -f "$ID-b"
	teardown_netns
}

@test "permeable: Docker's bridge hook with a network namespace carve would not create is refused, nothing left behind" {
	update_config '.linux.namespaces = [{"type": "mount"}, {"type": "network"}]
		| .hooks.prestart = [{"path": "/proc/1/exe", "args": ["libnetwork-setkey", "-exec-root=/var/run/docker", "0123abcd", "4567ef"]}]'
	carve_create --bundle "$BUNDLE" "$ID" || true
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[[ "$output" == *"linux.namespaces: the network namespace has no path and hook \`libnetwork-setkey\`"* ]]
	[[ "$output" == *"\`--network host\` or carve.isolation=oci (Docker's \`--network none\` runs the same hook)"* ]]
	assert_no_leftovers "$ID"
	# The same config in oci mode: carve creates the namespace, the hook
	# (here not Docker's, which would fail) is not the question.
	update_config '.hooks.prestart = [{"path": "/bin/true", "args": ["libnetwork-setkey"]}]'
	update_config '.annotations["carve.isolation"] = "oci"'
	carve_create --bundle "$BUNDLE" "$ID"
	carve delete -f "$ID"
	# Without the hook, permeable ignores the namespace as before.
	update_config 'del(.hooks) | del(.annotations["carve.isolation"])'
	carve_create --bundle "$BUNDLE" "$ID"
	pid=$(carve state "$ID" | jq .pid)
	[ "$(ns_of "$pid" net)" = "$(ns_of self net)" ]
}
