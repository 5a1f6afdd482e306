#!/usr/bin/env bats
# The Kubernetes path: containerd's CRI plugin (Debian's containerd 1.6)
# with the carve runtime handler of contrib/containerd/carve.toml, driven
# the way the kubelet drives it, over CRI gRPC, by tests/helpers/cri.py
# (Debian 12 has no crictl): RunPodSandbox with runtime_handler "carve"
# (what a RuntimeClass of contrib/kubernetes/runtimeclass.yaml selects),
# CreateContainer, StartContainer, ExecSync, Stop and Remove.
#
# Pods get a network namespace of their own (not hostNetwork), made by
# containerd and set up by CNI (Debian's containernetworking-plugins:
# bridge, host-local).  containerd runs in a network namespace of the
# suite's own (unshare --net), so the CNI bridge and the pods' veths are
# made there and never in the machine's network; the pods' namespaces are
# mounted below the suite's private directory.  The pause image is the
# busybox rootfs with a command that waits.

load helpers
load node
load clients

IMAGE=localhost/carve-busybox:test
PAUSE=localhost/carve-pause:test
NS=k8s.io
CGROUP_PARENT=carve-cri
# The handler that contrib/kubernetes/runtimeclass.yaml selects.
HANDLER=$(awk '$1 == "handler:" { print $2 }' "${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}/contrib/kubernetes/runtimeclass.yaml")

setup_file() {
	clients_require containerd containerd
	clients_require /usr/lib/cni/bridge containernetworking-plugins
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import grpc, grpc_tools, google.protobuf' 2>/dev/null ||
		clients_require_python
	clients_setup_file
	# libcni caches each pod's result below /var/lib/cni, whatever
	# containerd's config: removed at the end when the suite made it.
	[ -d /var/lib/cni ] && touch "$CLIENT_DIR/had-var-lib-cni"
	export CRI_ROOT="$CLIENT_DIR/carve-root-cri"
	export CRI_PY_CACHE="$CLIENT_DIR/cri-py"
	mkdir -p "$CLIENT_DIR/cni" "$CLIENT_DIR/logs"
	# The handler as contrib ships it, carve's path set to the suite's,
	# and the shim's state directory (runc's --root) below the suite's.
	sed -e "s|/usr/local/bin/carve|$CLIENT_CARVE|" \
		-e "s|^\( *\)BinaryName = .*|&\n\1Root = \"$CRI_ROOT\"|" \
		"$CONTRIB/containerd/carve.toml" >"$CLIENT_DIR/carve.toml"
	cat >"$CLIENT_DIR/config.toml" <<-EOF
		version = 2
		root = "$CLIENT_DIR/root"
		state = "$CLIENT_DIR/state"
		[grpc]
		  address = "$CLIENT_DIR/containerd.sock"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$CLIENT_DIR/opt"
		[plugins."io.containerd.grpc.v1.cri"]
		  restrict_oom_score_adj = true
		  sandbox_image = "$PAUSE"
		  netns_mounts_under_state_dir = true
		[plugins."io.containerd.grpc.v1.cri".cni]
		  bin_dir = "/usr/lib/cni"
		  conf_dir = "$CLIENT_DIR/cni"
		  max_conf_num = 1
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		  runtime_type = "io.containerd.runc.v2"
	EOF
	cat "$CLIENT_DIR/carve.toml" >>"$CLIENT_DIR/config.toml"
	cat >"$CLIENT_DIR/cni/10-carve-pods.conflist" <<-EOF
		{
		  "cniVersion": "1.0.0",
		  "name": "carve-pods",
		  "plugins": [{
		    "type": "bridge", "bridge": "carve-cni0", "isGateway": false, "ipMasq": false,
		    "ipam": {"type": "host-local", "subnet": "10.88.77.0/24", "dataDir": "$CLIENT_DIR/cni-ipam"}
		  }]
		}
	EOF
	clients_start_daemon containerd unshare --net containerd --config "$CLIENT_DIR/config.toml"
	clients_wait 30 ctr_ version || {
		tail -20 "$CLIENT_DIR/containerd.log" >&2
		return 1
	}
	ctr_ image import "$(clients_oci_archive "$IMAGE")" >/dev/null
	ctr_ image import "$(clients_oci_archive "$PAUSE" '["sleep", "2147483647"]')" >/dev/null
	# The CRI plugin learns of imported images from containerd's events.
	clients_wait 30 cri ImageStatus "{\"image\": {\"image\": \"$PAUSE\"}}" -q
}

# python3-grpcio and python3-grpc-tools, for cri.py: install them (as the
# README's test command does) or skip.
clients_require_python() {
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			python3-grpcio python3-grpc-tools python3-protobuf >&2 || :
	fi
	/usr/bin/python3 -c 'import grpc, grpc_tools, google.protobuf' 2>/dev/null ||
		skip "cri.py needs python3-grpcio and python3-grpc-tools, which apt-get could not install"
}

teardown_file() {
	[ -n "$CLIENT_DIR" ] || return 0
	cri_cleanup
	rm -f /var/lib/cni/results/carve-pods-*
	[ -e "$CLIENT_DIR/had-var-lib-cni" ] || rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
	clients_teardown_file "$CGROUP_PARENT"
}

setup() {
	POD_NAME="carve-pod-$$-$BATS_TEST_NUMBER"
	POD=
}

teardown() {
	[ -n "$BATS_TEST_COMPLETED" ] || { clients_show_calls; tail -5 "$CLIENT_DIR/containerd.log"; }
	cri_cleanup
	restore_node
}

ctr_() {
	ctr --address "$CLIENT_DIR/containerd.sock" -n "$NS" "$@"
}

# cri METHOD [REQUEST-JSON] [-q]: one CRI call; its response in $output.
cri() {
	local quiet=
	[ "${3:-}" = -q ] && quiet=1
	if [ -n "$quiet" ]; then
		/usr/bin/python3 "$BATS_TEST_DIRNAME/../helpers/cri.py" --socket "$CLIENT_DIR/containerd.sock" "$1" "${2:-{\}}" >/dev/null
	else
		/usr/bin/python3 "$BATS_TEST_DIRNAME/../helpers/cri.py" --socket "$CLIENT_DIR/containerd.sock" "$1" "${2:-{\}}"
	fi
}

# Every pod of the CRI plugin stopped and removed, as the kubelet does
# (StopPodSandbox stops the pod's containers, RemovePodSandbox removes
# them); containers ls lists their containers too, for which these calls
# fail (NotFound).
cri_cleanup() {
	local p
	for p in $(ctr_ containers ls -q 2>/dev/null); do
		cri StopPodSandbox "{\"pod_sandbox_id\": \"$p\"}" -q 2>/dev/null || :
		cri RemovePodSandbox "{\"pod_sandbox_id\": \"$p\"}" -q 2>/dev/null || :
	done
	return 0
}

# The pod's config (PodSandboxConfig) as JSON; ANNOTATIONS a JSON object.
pod_config() {
	local annotations=${1:-'{}'}
	jq -cn --arg name "$POD_NAME" --arg logs "$CLIENT_DIR/logs/$POD_NAME" --arg parent "/$CGROUP_PARENT/$POD_NAME" \
		--argjson annotations "$annotations" '{
		metadata: {name: $name, uid: $name, namespace: "carve-test", attempt: 0},
		hostname: $name, log_directory: $logs, annotations: $annotations,
		linux: {cgroup_parent: $parent,
			security_context: {namespace_options: {network: "POD", pid: "CONTAINER", ipc: "POD"}}}}'
}

# run_pod [ANNOTATIONS]: RunPodSandbox with the carve handler; sets POD,
# POD_CONFIG.
run_pod() {
	POD_CONFIG=$(pod_config "${1:-}")
	run cri RunPodSandbox "$(jq -cn --argjson c "$POD_CONFIG" --arg h "$HANDLER" '{config: $c, runtime_handler: $h}')"
	echo "$output"
	[ "$status" -eq 0 ]
	POD=$(jq -r .pod_sandbox_id <<<"$output")
}

# create_container NAME COMMAND-JSON [RESOURCES-JSON]: CreateContainer +
# StartContainer in the pod; sets CTR.
create_container() {
	local req
	req=$(jq -cn --arg pod "$POD" --argjson sc "$POD_CONFIG" --arg name "$1" --arg image "$IMAGE" \
		--argjson cmd "$2" --argjson res "${3:-{\}}" '{pod_sandbox_id: $pod, sandbox_config: $sc,
		config: {metadata: {name: $name}, image: {image: $image}, command: $cmd,
			envs: [{key: "JOB", value: "fwq"}], log_path: ($name + ".log"),
			linux: {resources: $res,
				security_context: {namespace_options: {network: "POD", pid: "CONTAINER", ipc: "POD"}}}}}')
	run cri CreateContainer "$req"
	echo "$output"
	[ "$status" -eq 0 ]
	CTR=$(jq -r .container_id <<<"$output")
	run cri StartContainer "{\"container_id\": \"$CTR\"}"
	[ "$status" -eq 0 ]
}

# The host PID of a carve container (sandbox or workload) of the CRI path.
cri_pid() {
	"$CARVE_BINARY" --root "$CRI_ROOT/$NS" state "$1" | jq -r .pid
}

# A TOML parser of Debian's Python: tomllib (3.11), else python3-toml.
toml_to_json() {
	/usr/bin/python3 -c '
import json, sys
try:
    import tomllib
    load = lambda f: tomllib.load(open(f, "rb"))
except ImportError:
    import toml
    load = toml.load
print(json.dumps(load(sys.argv[1])))' "$1"
}

@test "contrib/kubernetes: a RuntimeClass whose handler is contrib/containerd's" {
	/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip "no YAML parser (python3-yaml) to read the manifest with"
	run /usr/bin/python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' "$CONTRIB/kubernetes/runtimeclass.yaml"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.apiVersion + " " + .kind + " " + .handler' <<<"$output")" = "node.k8s.io/v1 RuntimeClass $HANDLER" ]
	/usr/bin/python3 -c 'import tomllib' 2>/dev/null || /usr/bin/python3 -c 'import toml' 2>/dev/null ||
		skip "no TOML parser (Python 3.11 tomllib or python3-toml)"
	run toml_to_json "$CONTRIB/containerd/carve.toml"
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg h "$HANDLER" '.plugins["io.containerd.grpc.v1.cri"].containerd.runtimes[$h].runtime_type' <<<"$output")" = io.containerd.runc.v2 ]
}

@test "contrib/cri-o: the crio.conf.d snippet is TOML with a carve handler allowing carve.* (syntax only: no CRI-O in Debian 12)" {
	/usr/bin/python3 -c 'import tomllib' 2>/dev/null || /usr/bin/python3 -c 'import toml' 2>/dev/null ||
		skip "no TOML parser (Python 3.11 tomllib or python3-toml)"
	run toml_to_json "$CONTRIB/cri-o/10-carve.conf"
	echo "$output"
	[ "$status" -eq 0 ]
	run jq -c --arg h "$HANDLER" '.crio.runtime.runtimes[$h] | [.runtime_type, .allowed_annotations, (.runtime_path | test("carve$"))]' <<<"$output"
	[ "$output" = '["oci",["carve.*"],true]' ]
}

@test "CRI: RunPodSandbox with the carve handler, a container, ExecSync, Stop and Remove" {
	run cri Version '{"version": "v1"}'
	[ "$status" -eq 0 ]
	[ "$(jq -r .runtime_api_version <<<"$output")" = v1 ]

	run_pod
	run cri PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\", \"verbose\": true}"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_READY ]
	[ "$(jq -r .status.runtime_handler <<<"$output")" = "$HANDLER" ]
	# The sandbox is carve's: its state is in the handler's Root.
	run "$CARVE_BINARY" --root "$CRI_ROOT/$NS" state "$POD"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]

	create_container job '["sleep", "1000"]'
	run "$CARVE_BINARY" --root "$CRI_ROOT/$NS" state "$CTR"
	[ "$(jq -r .status <<<"$output")" = running ]
	run cri ContainerStatus "{\"container_id\": \"$CTR\"}"
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_RUNNING ]

	run cri ExecSync "$(jq -cn --arg c "$CTR" '{container_id: $c, cmd: ["sh", "-c", "echo step of $JOB; echo oops >&2; exit 4"], timeout: 30}')"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .exit_code <<<"$output")" = 4 ]
	[ "$(jq -r .stdout <<<"$output")" = "step of fwq" ]
	[ "$(jq -r .stderr <<<"$output")" = oops ]

	run cri StopContainer "{\"container_id\": \"$CTR\", \"timeout\": 10}"
	[ "$status" -eq 0 ]
	run cri ContainerStatus "{\"container_id\": \"$CTR\"}"
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .status.exit_code <<<"$output")" = 143 ] || [ "$(jq -r .status.exit_code <<<"$output")" = 137 ]
	run cri RemoveContainer "{\"container_id\": \"$CTR\"}"
	[ "$status" -eq 0 ]
	run cri StopPodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
	[ "$status" -eq 0 ]
	run cri RemovePodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
	[ "$status" -eq 0 ]
	clients_assert_clean "$CRI_ROOT/$NS"
}

@test "CRI: a container's resources (cpuset_cpus, memory_limit_in_bytes) in its cgroup" {
	clients_node_setup
	run_pod
	create_container job '["sleep", "1000"]' "$(jq -cn --arg cpu "$FIRST" '{cpuset_cpus: $cpu, memory_limit_in_bytes: 67108864}')"
	run cri ExecSync "$(jq -cn --arg c "$CTR" '{container_id: $c, cmd: ["grep", "Cpus_allowed_list", "/proc/self/status"], timeout: 30}')"
	[ "$(jq -r .stdout <<<"$output")" = "Cpus_allowed_list:	$FIRST" ]
	# The kubelet's cgroup_parent, then the container's id (cgroupfs).
	local mem=/sys/fs/cgroup/memory/$CGROUP_PARENT/$POD_NAME/$CTR
	[ -d "$mem" ] || mem=/sys/fs/cgroup/$CGROUP_PARENT/$POD_NAME/$CTR
	run cat "$mem/memory.limit_in_bytes" "$mem/memory.max"
	[ "${lines[0]}" = 67108864 ]
	cri_cleanup
	clients_assert_clean "$CRI_ROOT/$NS"
}

@test "CRI: a pod's carve.cpus annotation makes the workload container, not the sandbox, own the CPU" {
	clients_node_setup
	run_pod "$(jq -cn --arg cpu "$LAST" '{"carve.cpus": $cpu}')"
	# The sandbox got the pod's annotation and owns nothing.
	run jq -r '.annotations["carve.cpus"]' "$CLIENT_DIR/state/io.containerd.runtime.v2.task/$NS/$POD/config.json"
	[ "$output" = "$LAST" ]
	run clients_partition "$POD"
	[ -z "$output" ]

	create_container job '["sleep", "1000"]'
	run clients_partition "$CTR"
	echo "$output"
	[ "$(jq -r .cpus <<<"$output")" = "$LAST" ]
	[ "$(jq -r .exclusive <<<"$output")" = true ]
	run clients_partition "$POD"
	[ -z "$output" ]
	run cri ExecSync "$(jq -cn --arg c "$CTR" '{container_id: $c, cmd: ["grep", "Cpus_allowed_list", "/proc/self/status"], timeout: 30}')"
	[ "$(jq -r .stdout <<<"$output")" = "Cpus_allowed_list:	$LAST" ]
	# The sandbox's process is not on the container's CPU.
	local sandbox_cpus
	sandbox_cpus=$(taskset -pc "$(cri_pid "$POD")" | sed 's/.*: //')
	echo "sandbox's CPUs: $sandbox_cpus"
	run list_has "$sandbox_cpus" "$LAST"
	[ "$status" -ne 0 ]

	cri_cleanup
	clients_assert_clean "$CRI_ROOT/$NS"
	assert_node_restored
}

@test "CRI: a pod with a network namespace of its own: the container is in the pod's" {
	run_pod
	run cri PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\"}"
	local ip
	ip=$(jq -r .status.network.ip <<<"$output")
	[[ "$ip" == 10.88.77.* ]]
	create_container job '["sleep", "1000"]'

	local sandbox_ns container_ns host_ns daemon_ns
	sandbox_ns=$(readlink "/proc/$(cri_pid "$POD")/ns/net")
	container_ns=$(readlink "/proc/$(cri_pid "$CTR")/ns/net")
	host_ns=$(readlink /proc/self/ns/net)
	daemon_ns=$(readlink "/proc/$(awk '$2 == "containerd" { print $1 }' "$CLIENT_DIR/pids")/ns/net")
	echo "sandbox $sandbox_ns container $container_ns host $host_ns containerd $daemon_ns"
	[ "$container_ns" = "$sandbox_ns" ]
	[ "$sandbox_ns" != "$host_ns" ]
	[ "$sandbox_ns" != "$daemon_ns" ]
	# What the workload sees: the pod's address on its eth0.
	run cri ExecSync "$(jq -cn --arg c "$CTR" '{container_id: $c, cmd: ["ip", "-4", "-o", "addr", "show", "eth0"], timeout: 30}')"
	echo "$output"
	[[ "$(jq -r .stdout <<<"$output")" == *" inet $ip/24 "* ]]

	cri_cleanup
	clients_assert_clean "$CRI_ROOT/$NS"
}
