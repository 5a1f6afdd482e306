#!/usr/bin/env bats
# The container's environment, in both isolation modes: the filesystem
# (rootfs, mounts and their options, /dev, masked and read-only paths,
# sysctl) and the process (user, umask, rlimits, capabilities, scheduling,
# personality, descriptors).  In oci mode the same config goes through runc
# (Debian's) where runc is the reference.  Most checks look at a running
# container from the host, through /proc/PID: one container answers many
# questions.

load helpers

# What the process sees of itself, one line per fact, in a stable format:
# the same script runs under carve and runc.
write_probe() {
	cat >"$BUNDLE/rootfs/bin/probe" <<'EOF'
#!/bin/sh
echo "## process"
echo "args: $0|$1|$2"
env | grep -v '^PWD=' | sort
grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status
echo "ids: $(id -u) $(id -g) $(id -G)"
echo "umask: $(umask)"
echo "cwd: $(pwd)"
grep -E '^Max (core file size|processes|open files|stack size)' /proc/self/limits
echo "oom_score_adj: $(cat /proc/self/oom_score_adj)"
echo "## uts"
echo "hostname: $(hostname)"
echo "## fds"
# The shell's own descriptors (a glob, not ls: ls would show its own).
for f in /proc/$$/fd/*; do echo "${f##*/}"; done
echo "## sysctl"
echo "kernel.shmmax: $(cat /proc/sys/kernel/shmmax)"
echo "net.ipv4.ip_forward: $(cat /proc/sys/net/ipv4/ip_forward)"
echo "## dev"
ls -ln /dev | awk 'NR > 1 { print $1, $3, $4, $5, $6, $NF }'
echo "## mounts"
awk '$5 !~ "^/sys/fs/cgroup" { split($6, o, ","); print $5, o[1] }' /proc/self/mountinfo | sort
echo "## paths"
touch /probe-root 2>/dev/null && echo "/ writable" || echo "/ read-only"
echo "keys: [$(cat /proc/keys 2>&1)]"
echo "acpi: [$(ls /proc/acpi 2>&1)]"
echo "secret: [$(cat /etc/secret 2>&1)]"
touch /proc/sys/kernel/probe 2>/dev/null || echo "/proc/sys read-only"
touch /data/probe 2>/dev/null && echo "/data writable" || echo "/data read-only"
EOF
	chmod 755 "$BUNDLE/rootfs/bin/probe"
}

# section NAME TEXT: the lines of probe section NAME in TEXT.
section() {
	awk -v s="## $1" '$0 == s { on = 1; next } /^## / { on = 0 } on' <<<"$2"
}

# A config exercising the process and the filesystem at once, runc 1.1
# compatible (no ioPriority, scheduler, execCPUAffinity, personality,
# domainname: runc 1.1.5 ignores them).
full_config() {
	mkdir -p "$BUNDLE/rootfs/data"
	echo "top secret" >"$BUNDLE/rootfs/etc/secret"
	update_config '
		  .process.args = ["/bin/probe", "one arg", "two"]
		| .process.env += ["CARVE_PROBE=a value with spaces"]
		| .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 63}
		| .process.cwd = "/work/dir"
		| .process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256},
			{"type": "RLIMIT_CORE", "hard": 2048, "soft": 1024},
			{"type": "RLIMIT_NPROC", "hard": 500, "soft": 400}]
		| .process.oomScoreAdj = 123
		| .process.noNewPrivileges = false
		| .process.capabilities = {
			"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_AUDIT_WRITE"],
			"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
			"effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"inheritable": ["CAP_KILL", "CAP_CHOWN"],
			"ambient": ["CAP_KILL"]}
		| .hostname = "carve-box"
		| .linux.sysctl = {"kernel.shmmax": "123456789", "net.ipv4.ip_forward": "1"}
		| .linux.devices = [
			{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438},
			{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 1000, "gid": 1000},
			{"path": "/dev/myfifo", "type": "p", "fileMode": 420}]
		| .linux.maskedPaths += ["/etc/secret"]
		| .linux.readonlyPaths += ["/data"]
		| .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
}

@test "oci mode: the process and its filesystem are what runc makes of the same config" {
	require_runc
	write_probe
	full_config
	run -0 carve --isolation oci run --bundle "$BUNDLE" "$ID"
	local mine=$output
	echo "$mine"
	run -0 runc_ run --bundle "$BUNDLE" "$ID-runc"
	local theirs=$output
	echo "$mine" >"$BATS_TEST_TMPDIR/carve.out"
	echo "$theirs" >"$BATS_TEST_TMPDIR/runc.out"
	diff -u "$BATS_TEST_TMPDIR/runc.out" "$BATS_TEST_TMPDIR/carve.out"
	# And what they agree on is what the config asked for.
	[[ "$mine" == *"args: /bin/probe|one arg|two"* ]]
	[[ "$mine" == *"CARVE_PROBE=a value with spaces"* ]]
	# No HOME in process.env: the user's from /etc/passwd, "/" for 1000.
	[[ "$mine" == *"HOME=/"$'\n'* ]]
	[[ "$mine" == *"ids: 1000 1000 1000 10 20"* ]]
	[[ "$mine" == *"umask: 0077"* ]]
	[[ "$mine" == *"cwd: /work/dir"* ]]
	[[ "$mine" == *$'CapAmb:\t0000000000000020'* ]]
	[[ "$mine" == *$'NoNewPrivs:\t0'* ]]
	[[ "$mine" == *"oom_score_adj: 123"* ]]
	[[ "$mine" == *"hostname: carve-box"* ]]
	# stdio, the script the shell reads (10) and the directory its glob
	# reads (3): nothing of carve's.
	[ "$(section fds "$mine" | tr '\n' ' ')" = "0 1 10 2 3 " ]
	[[ "$mine" == *"kernel.shmmax: 123456789"* ]]
	[[ "$mine" == *"crw------- 1000 1000 1, 3 mydev"* ]]
	[[ "$mine" == *"crw-rw-rw- 0 0 10, 229 fuse"* ]]
	[[ "$mine" == *"prw-r--r-- 0 0 0 "*" myfifo"* ]]
	[[ "$mine" == *"/ read-only"* && "$mine" == *"/data read-only"* && "$mine" == *"secret: []"* ]]
	# The host's settings did not move.
	[ "$(hostname)" != carve-box ]
	[ "$(cat /proc/sys/kernel/shmmax)" != 123456789 ]
}

@test "permeable mode: the process is set up as in oci mode; host namespaces, warnings for the rest" {
	require_runc
	write_probe
	full_config
	local host_shmmax host_fwd
	host_shmmax=$(cat /proc/sys/kernel/shmmax)
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	run -0 carve --isolation permeable --debug run --bundle "$BUNDLE" "$ID"
	local mine=$output
	echo "$mine"
	# Each setting of a namespace the container does not own: one warning
	# (on stderr with --debug only).
	[[ "$mine" == *"carve: warning: hostname ignored: the container shares the host's UTS namespace (permeable mode)"* ]]
	[[ "$mine" == *"carve: warning: linux.sysctl: \`kernel.shmmax\` ignored: the container shares the host's ipc namespace (permeable mode)"* ]]
	[[ "$mine" == *"carve: warning: linux.sysctl: \`net.ipv4.ip_forward\` ignored: the container shares the host's network namespace (permeable mode)"* ]]
	[[ "$mine" == *"hostname: $(hostname)"* ]]
	[[ "$mine" == *"kernel.shmmax: $host_shmmax"* ]]
	[ "$(cat /proc/sys/kernel/shmmax)" = "$host_shmmax" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	# The process itself is the one runc makes, line for line.
	run -0 runc_ run --bundle "$BUNDLE" "$ID-runc"
	local theirs=$output
	diff -u <(section process "$theirs") <(section process "$mine")
	diff -u <(section fds "$theirs") <(section fds "$mine")
	# So is its filesystem, but for /dev/shm: the host's.
	diff -u <(section dev "$theirs" | grep -v ' shm$') <(section dev "$mine" | grep -v ' shm$')
	diff -u <(section mounts "$theirs" | grep -v '^/dev/shm ') <(section mounts "$mine" | grep -v '^/dev/shm ')
	diff -u <(section paths "$theirs") <(section paths "$mine")
}

# The attributes runc 1.1 does not know: checked against their values.
check_process_extras() {
	update_config '
		  .process.args = ["sleep", "1000"]
		| .process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}
		| .process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}
		| .process.execCPUAffinity = {"initial": "0", "final": "0"}
		| .linux.personality = {"domain": "LINUX32"}
		| .hostname = "carve-box" | .domainname = "carve-domain"'
	# carve runs pinned to one CPU; the init must not inherit that, nor take
	# execCPUAffinity, which is for exec only (config.md).
	taskset -c 0 "$CARVE_BINARY" --root "$TEST_ROOT" --isolation "$ISOLATION" \
		run -d --bundle "$BUNDLE" "$CID" </dev/null >"$BATS_TEST_TMPDIR/run.out" 2>&1
	local pid
	pid=$(carve state "$CID" | jq .pid)
	# All the CPUs of its cpuset (v1 here; else all online ones).
	local cpuset allowed=/sys/devices/system/cpu/online
	cpuset=$(awk -F: '$2 == "cpuset" { print $3 }' "/proc/$pid/cgroup")
	[ -z "$cpuset" ] || allowed="/sys/fs/cgroup/cpuset$cpuset/cpuset.effective_cpus"
	grep -q "^Cpus_allowed_list:[[:space:]]*$(cat "$allowed")\$" "/proc/$pid/status"
	# ioprio: class 3 (idle); policy 3 (SCHED_BATCH), nice 7.
	[ "$(ionice -p "$pid")" = "idle" ]
	[ "$(awk '{ print $41 }' "/proc/$pid/stat")" = 3 ]
	[ "$(awk '{ print $19 }' "/proc/$pid/stat")" = 7 ]
	# linux32: the personality word's low byte is PER_LINUX32 (8).
	[ $(($(awk '{ print $0 }' "/proc/$pid/personality" | sed 's/^/0x/') & 0xff)) -eq 8 ]
	if [ "$ISOLATION" = oci ]; then
		[ "$(nsenter -t "$pid" -u hostname)" = carve-box ]
		[ "$(nsenter -t "$pid" -u cat /proc/sys/kernel/domainname)" = carve-domain ]
	else
		# Not on stderr: in the state.
		! grep -q "carve:" "$BATS_TEST_TMPDIR/run.out"
		carve state "$CID" | jq -e '."carve.warnings" | index("domainname ignored: the container shares the host'"'"'s UTS namespace (permeable mode)")' 
	fi
	carve delete -f "$CID"
}

@test "ioPriority, scheduler, personality; the init's CPU affinity is its cgroup's, in both modes" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	for_each_isolation check_process_extras
}

@test "personality LINUX32: uname -m of a 64-bit x86 host is i686" {
	[ "$(uname -m)" = x86_64 ] || skip "LINUX32 is checked on x86_64"
	update_config '.process.args = ["uname", "-m"] | .linux.personality = {"domain": "LINUX32"}'
	run -0 carve --isolation oci run --bundle "$BUNDLE" "$ID"
	[ "$output" = i686 ]
	run -0 carve run --bundle "$BUNDLE" "$ID"
	[ "$output" = i686 ]
}

# A host directory for bind mounts: a shared tmpfs (so propagation shows),
# holding a file, a symlink and a submount.
HOSTDIR_MOUNTS=()
make_host_tree() {
	HOSTDIR="$BATS_TEST_TMPDIR/host"
	mkdir -p "$HOSTDIR"
	mount -t tmpfs -o size=1m carve-test "$HOSTDIR"
	HOSTDIR_MOUNTS+=("$HOSTDIR")
	mount --make-shared "$HOSTDIR"
	mkdir -p "$HOSTDIR/sub" "$HOSTDIR/later"
	mount -t tmpfs -o size=1m carve-test-sub "$HOSTDIR/sub"
	echo hello >"$HOSTDIR/file"
	ln -s file "$HOSTDIR/link"
}

teardown() {
	local m
	teardown_common
	for m in "${HOSTDIR_MOUNTS[@]}"; do
		umount -R "$m" 2>/dev/null
	done
	return 0
}

check_mount_options() {
	local pid root mi
	"$CARVE_BINARY" --root "$TEST_ROOT" --isolation "$ISOLATION" create --bundle "$BUNDLE" "$CID" \
		</dev/null >/dev/null 2>&1
	pid=$(carve state "$CID" | jq .pid)
	root=/proc/$pid/root
	mi=/proc/$pid/mountinfo
	cat "$mi"
	# ro on an rbind: the top read-only, the submount not; rro: both.
	! touch "$root/mnt/ro/x"
	touch "$root/mnt/ro/sub/x-$ISOLATION"
	! touch "$root/mnt/rro/x"
	! touch "$root/mnt/rro/sub/y"
	grep -q ' /mnt/rro/sub ro,' "$mi"
	# nosymfollow: the flag shows, and the symlink does not resolve.
	grep -Eq ' /mnt/nosym [^ ]*nosymfollow' "$mi"
	[ "$(cat "$root/mnt/nosym/file")" = hello ]
	! cat "$root/mnt/nosym/link"
	# tmpfs with its own options.
	grep -Eq ' /mnt/tmp rw,nosuid,nodev,noexec,noatime .* tmpfs tmpfs rw,size=1024k,mode=700' "$mi"
	[ "$(stat -c %a "$root/mnt/tmp")" = 700 ]
	# Propagation: rslave receives what the host mounts later, rprivate
	# does not; the slave shows its master.
	grep -Eq ' /mnt/slave rw[^ ]* master:[0-9]+' "$mi"
	! grep -Eq ' /mnt/private [^-]*(master|shared):' "$mi"
	mount -t tmpfs -o size=1m "carve-later-$ISOLATION" "$HOSTDIR/later"
	grep -q " /mnt/slave/later .* carve-later-$ISOLATION" "$mi"
	! grep -q " /mnt/private/later " "$mi"
	umount "$HOSTDIR/later"
	# An idmapped bind: the host's root-owned file is seen as 100000
	# (containerID 0 -> hostID 100000, runc's example).
	if [ "$IDMAP" = 1 ]; then
		[ "$(stat -c %u:%g "$root/mnt/idmap/file")" = "100000:100000" ]
		grep -Eq ' /mnt/idmap [^ ]*idmapped' "$mi"
	fi
	# proc, sysfs, devpts, mqueue of the default config.
	grep -Eq ' /proc rw,.* - proc ' "$mi"
	grep -Eq ' /sys ro,nosuid,nodev,noexec.* - sysfs ' "$mi"
	grep -Eq ' /dev/pts rw,nosuid,noexec.* - devpts .*ptmxmode=666' "$mi"
	grep -Eq ' /dev/mqueue rw,nosuid,nodev,noexec.* - mqueue ' "$mi"
	# cgroup: read-only, each v1 hierarchy rooted at the container's own
	# cgroup, as runc mounts it.
	if [ -d /sys/fs/cgroup/pids ]; then
		grep -Eq "^[0-9]+ [0-9]+ [^ ]+ /[^ ]*$CID /sys/fs/cgroup/pids ro,nosuid,nodev,noexec" "$mi"
	fi
	carve delete -f "$CID"
	# Nothing of it reached the host.
	! grep -q "$BUNDLE/rootfs" /proc/self/mountinfo
	[ ! -e "$HOSTDIR/x" ]
}

@test "mounts: bind and rbind, ro and rro, nosymfollow, tmpfs options, propagation, idmap; both modes" {
	make_host_tree
	# idmapped mounts of a tmpfs need Linux 6.3.
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	IDMAP=0
	[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 3 ]; } && IDMAP=1
	update_config "
		  .mounts += [
			{\"destination\": \"/mnt/ro\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"ro\"]},
			{\"destination\": \"/mnt/rro\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"rro\"]},
			{\"destination\": \"/mnt/nosym\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"bind\", \"nosymfollow\"]},
			{\"destination\": \"/mnt/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",
				\"options\": [\"nosuid\", \"nodev\", \"noexec\", \"noatime\", \"size=1m\", \"mode=700\"]},
			{\"destination\": \"/mnt/slave\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"rslave\"]},
			{\"destination\": \"/mnt/private\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"rprivate\"]},
			{\"destination\": \"/mnt/idmap\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"bind\", \"idmap\"],
				\"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],
				\"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}]"
	if [ "$IDMAP" = 0 ]; then
		echo "Linux < 6.3: no idmapped tmpfs, idmap not checked"
		update_config 'del(.mounts[] | select(.destination == "/mnt/idmap"))'
	fi
	for_each_isolation check_mount_options
}

check_root_settings() {
	local pid mi
	"$CARVE_BINARY" --root "$TEST_ROOT" --isolation "$ISOLATION" create --bundle "$BUNDLE" "$CID" \
		</dev/null >/dev/null 2>&1
	pid=$(carve state "$CID" | jq .pid)
	mi=/proc/$pid/mountinfo
	cat "$mi"
	# root.readonly, and the cwd that did not exist was made before it.
	grep -Eq '^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / ro,' "$mi"
	[ "$(readlink "/proc/$pid/cwd")" = /new/cwd ]
	[ -d "$BUNDLE/rootfs/new/cwd" ]
	# rootfsPropagation: "/" is shared.
	grep -Eq '^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / [^ ]+ shared:[0-9]+' "$mi"
	# Symlinks on the way to a mount target resolve inside the rootfs: the
	# absolute one and the one climbing with ".." land in the rootfs, the
	# host's directories stay untouched.
	grep -q " $OUTSIDE/x " "$mi"
	grep -q " /y " "$mi"
	[ -d "$BUNDLE/rootfs$OUTSIDE/x" ]
	[ -z "$(ls -A "$OUTSIDE")" ]
	! grep -q " $OUTSIDE/x " /proc/self/mountinfo
	carve delete -f "$CID"
}

@test "root: readonly, rootfsPropagation, cwd; mount targets never leave the rootfs; both modes" {
	OUTSIDE="$BATS_TEST_TMPDIR/outside"
	mkdir -p "$OUTSIDE"
	ln -s "$OUTSIDE" "$BUNDLE/rootfs/escape"
	ln -s ../../../../../../../.. "$BUNDLE/rootfs/climb"
	update_config '
		  .root.readonly = true
		| .process.cwd = "/new/cwd"
		| .linux.rootfsPropagation = "shared"
		| .mounts += [{"destination": "/escape/x", "type": "tmpfs", "source": "tmpfs"},
			{"destination": "/climb/y", "type": "tmpfs", "source": "tmpfs"}]'
	for_each_isolation check_root_settings
}

check_descriptors() {
	local pid exe sum
	sum=$(sha256sum "$CARVE_BINARY")
	# The caller holds 3..7 open; 3 and 4 are passed on (--preserve-fds 2).
	"$CARVE_BINARY" --root "$TEST_ROOT" --isolation "$ISOLATION" create --preserve-fds 2 \
		--bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 \
		3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null
	pid=$(carve state "$CID" | jq .pid)
	# Until start the init is carve, run from a sealed memfd: its
	# /proc/PID/exe (what CVE-2019-5736 overwrote) cannot be written, not
	# even by root on the host.
	exe=$(readlink "/proc/$pid/exe")
	[[ "$exe" == "/memfd:carve"* ]]
	run ! sh -c "echo x >>/proc/$pid/exe"
	echo "write to /proc/$pid/exe: $output"
	carve start "$CID"
	wait_for_status "$CID" running
	# Once started, the program holds stdio and the preserved descriptors
	# only.
	for _ in $(seq 1 50); do
		[ "$(readlink "/proc/$pid/exe")" != "$exe" ] && break
		sleep 0.05
	done
	[ "$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')" = "0 1 2 3 4 " ]
	[ "$(sha256sum "$CARVE_BINARY")" = "$sum" ]
	carve delete -f "$CID"
}

@test "descriptors: only stdio and --preserve-fds reach the program; carve's binary is sealed; both modes" {
	for_each_isolation check_descriptors
}

@test "a job's output is the job's: the warnings of a container that starts go to --log, --debug and carve state" {
	update_config '.hostname = "carve-box" | .process.capabilities.ambient = ["CAP_NET_RAW"]'
	local log="$BATS_TEST_TMPDIR/carve.log"
	# Into files, not through `run`: the created process inherits carve's
	# stdout and stderr and holds them until start, so a pipe never ends.
	local out="$BATS_TEST_TMPDIR/create.out" errf="$BATS_TEST_TMPDIR/create.err"
	"$CARVE_BINARY" --root "$TEST_ROOT" --log "$log" --log-format json \
		create --bundle "$BUNDLE" "$ID" </dev/null >"$out" 2>"$errf"
	echo "stderr: $(cat "$errf")"
	[ ! -s "$errf" ]
	[ ! -s "$out" ]
	cat "$log"
	jq -e -s 'map(select(.level == "warning")) | map(.msg) | index("hostname ignored: the container shares the host'"'"'s UTS namespace (permeable mode)")' "$log"
	run -0 carve state "$ID"
	echo "$output"
	jq -e '."carve.warnings" | index("hostname ignored: the container shares the host'"'"'s UTS namespace (permeable mode)")' <<<"$output"
	# The rest of the document is runc's, in runc's order.
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["ociVersion","id","pid","status","bundle","rootfs","created","owner","carve.warnings"]' ]
	carve delete -f "$ID"
	# A config with nothing to warn about: runc's document, unchanged.
	update_config 'del(.hostname) | .process.capabilities |= del(.ambient)'
	carve_create --bundle "$BUNDLE" "$ID"
	[ -z "$output" ]
	run -0 carve state "$ID"
	[ "$(jq 'has("carve.warnings")' <<<"$output")" = false ]
}
