#!/usr/bin/env bats
# `carve features` is true: the document is runtime-spec 1.3's, and each
# mount option, namespace, seccomp action and seccomp flag it lists is used
# once in a container, which shows it does what its name says.

load helpers

SPEC_DIR=${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}/../shared/oci-runtime-spec

features() {
	"$CARVE_BINARY" features
}

@test "features: valid against runtime-spec 1.3's features schema, every section of features.md present" {
	[ -f "$SPEC_DIR/schema/features-schema.json" ] || skip "no runtime-spec schemas at $SPEC_DIR"
	local doc
	doc=$(features)
	run "${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}/tests/helpers/validate-schema.py" \
		"$SPEC_DIR/schema/features-schema.json" - <<<"$doc"
	[ "$status" -ne 77 ] || skip "$output"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'keys_unsorted' <<<"$doc")" = \
		'["ociVersionMin","ociVersionMax","hooks","mountOptions","linux","annotations","potentiallyUnsafeConfigAnnotations"]' ]
	[ "$(jq -c '.linux | keys_unsorted' <<<"$doc")" = \
		'["namespaces","capabilities","cgroup","seccomp","apparmor","selinux","memoryPolicy","intelRdt","mountExtensions","netDevices"]' ]
	# supportedFlags is a subset of knownFlags.
	[ "$(jq '.linux.seccomp | (.supportedFlags - .knownFlags) | length' <<<"$doc")" = 0 ]
}

@test "features: what it says carve does not do, create refuses in one line, leaving nothing" {
	[ "$(features | jq -c '[.linux.intelRdt.enabled, .linux.netDevices.enabled]')" = '[false,false]' ]
	local cfg msg
	while IFS='|' read -r cfg msg; do
		update_config "$cfg"
		run carve create --bundle "$BUNDLE" "$ID"
		echo "$output"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"$msg" ]]
		assert_no_leftovers "$ID"
		update_config 'del(.linux.intelRdt) | del(.linux.netDevices)'
	done <<'EOF'
.linux.intelRdt = {"closID": "carve"}|linux.intelRdt: carve does not manage Intel RDT
.linux.netDevices = {"eth9": {"name": "eth9"}}|linux.netDevices: carve does not move network devices into a container
EOF
	# And without them the same config starts.
	carve_create --bundle "$BUNDLE" "$ID"
}

# One mount per option: NAME|OPTIONS|CHECK.  The mount is a tmpfs at
# /mnt/NAME unless OPTIONS start with bind/rbind (then a bind of the host
# tree HOSTDIR).  CHECK, run on the container's view: m+TOKEN / m-TOKEN the
# per-mount options have / lack TOKEN, s+ / s- the superblock's, p+TOKEN a
# propagation field, p0 none, ok only that the mount exists (tmpfs refuses
# an option it does not know, so a name carve passed on as filesystem data
# fails create), file:PATH a file under the mount.
mount_table() {
	cat <<'EOF'
async|"sync","async"|s-sync
atime|"noatime","atime"|m-noatime
bind|"bind"|file:file
defaults|"defaults"|ok
dev|"nodev","dev"|m-nodev
diratime|"nodiratime","diratime"|m-nodiratime
dirsync|"dirsync"|s+dirsync
exec|"noexec","exec"|m-noexec
idmap|"bind","idmap"|idmap:file
iversion|"iversion"|ok
lazytime|"lazytime"|s+lazytime
loud|"loud"|ok
mand|"mand"|ok
noatime|"noatime"|m+noatime
nodev|"nodev"|m+nodev
nodiratime|"nodiratime"|m+nodiratime
noexec|"noexec"|m+noexec
noiversion|"noiversion"|ok
nolazytime|"lazytime","nolazytime"|s-lazytime
nomand|"nomand"|ok
norelatime|"norelatime"|ok
nostrictatime|"strictatime","nostrictatime"|m+relatime
nosuid|"nosuid"|m+nosuid
nosymfollow|"nosymfollow"|m+nosymfollow
private|"shared","private"|p0
ratime|"noatime","ratime"|m+relatime
rbind|"rbind"|file:sub/subfile
rdev|"nodev","rdev"|m-nodev
rdiratime|"nodiratime","rdiratime"|m-nodiratime
relatime|"relatime"|m+relatime
remount|"bind","remount","ro"|m+ro
rexec|"noexec","rexec"|m-noexec
ridmap|"rbind","ridmap"|idmap:sub/subfile
rnoatime|"rnoatime"|m+noatime
rnodev|"rnodev"|m+nodev
rnodiratime|"rnodiratime"|m+nodiratime
rnoexec|"rnoexec"|m+noexec
rnorelatime|"rnorelatime"|m-relatime
rnostrictatime|"strictatime","rnostrictatime"|m+relatime
rnosuid|"rnosuid"|m+nosuid
rnosymfollow|"rnosymfollow"|m+nosymfollow
ro|"ro"|m+ro
rprivate|"rshared","rprivate"|p0
rrelatime|"noatime","rrelatime"|m+relatime
rro|"rro"|m+ro
rrw|"ro","rrw"|m+rw
rshared|"rshared"|p+shared:
rslave|"rbind","rslave"|p+master:
rstrictatime|"noatime","rstrictatime"|m-relatime
rsuid|"nosuid","rsuid"|m-nosuid
rsymfollow|"nosymfollow","rsymfollow"|m-nosymfollow
runbindable|"runbindable"|p+unbindable
rw|"ro","rw"|m+rw
shared|"shared"|p+shared:
silent|"silent"|ok
slave|"bind","slave"|p+master:
strictatime|"strictatime"|m-relatime
suid|"nosuid","suid"|m-nosuid
symfollow|"nosymfollow","symfollow"|m-nosymfollow
sync|"sync"|s+sync
tmpcopyup|"tmpcopyup"|file:copied
unbindable|"unbindable"|p+unbindable
EOF
}

teardown() {
	teardown_common
	[ -z "$HOSTDIR" ] || umount -R "$HOSTDIR" 2>/dev/null
	return 0
}

@test "features: every listed mount option does what it names, in one container" {
	# The table covers exactly the list: a new option needs its check here.
	diff -u <(features | jq -r '.mountOptions[]') <(mount_table | cut -d'|' -f1)

	# The host tree: shared (so slave binds have a master), a file, a
	# submount (what rbind shows and bind does not).
	HOSTDIR="$BATS_TEST_TMPDIR/host"
	mkdir -p "$HOSTDIR"
	mount -t tmpfs -o size=1m carve-feat "$HOSTDIR"
	mount --make-shared "$HOSTDIR"
	mkdir "$HOSTDIR/sub"
	mount -t tmpfs -o size=1m carve-feat-sub "$HOSTDIR/sub"
	echo hello >"$HOSTDIR/file"
	echo sub >"$HOSTDIR/sub/subfile"
	# What tmpcopyup copies.
	mkdir -p "$BUNDLE/rootfs/mnt/tmpcopyup"
	echo copied >"$BUNDLE/rootfs/mnt/tmpcopyup/copied"

	local mounts="" name opts check
	while IFS='|' read -r name opts check; do
		case $opts in
		'"bind"'* | '"rbind"'*)
			m="{\"destination\": \"/mnt/$name\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [$opts]"
			case $check in idmap:*)
				m="$m, \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],
					\"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]" ;;
			esac
			m="$m}" ;;
		*) m="{\"destination\": \"/mnt/$name\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [$opts, \"size=64k\"]}" ;;
		esac
		mounts="$mounts${mounts:+,}$m"
	done < <(mount_table)
	# Each /mnt mount: point|,per-mount options,|,superblock options,|propagation
	cat >"$BUNDLE/rootfs/bin/mounts" <<'EOF'
#!/bin/sh
awk '$5 ~ /^\/mnt\// { i = 7; p = ""; while ($i != "-") { p = p " " $i; i++ }; print $5 "|," $6 ",|," $(i + 3) ",|" p }' /proc/self/mountinfo
EOF
	chmod 755 "$BUNDLE/rootfs/bin/mounts"
	update_config ".mounts += [$mounts] | .process.args = [\"mounts\"]"
	run -0 carve run --bundle "$BUNDLE" "$ID"
	local view=$output
	echo "$view"

	local line per sb prop bad=
	while IFS='|' read -r name opts check; do
		line=$(grep "^/mnt/$name|" <<<"$view") || { echo "$name: not mounted"; bad=1; continue; }
		IFS='|' read -r _ per sb prop <<<"$line"
		case $check in
		m+*) [[ "$per" == *",${check#m+},"* ]] ;;
		m-*) [[ "$per" != *",${check#m-},"* ]] ;;
		s+*) [[ "$sb" == *",${check#s+},"* ]] ;;
		s-*) [[ "$sb" != *",${check#s-},"* ]] ;;
		p+*) [[ "$prop" == *" ${check#p+}"* ]] ;;
		p0) [ -z "$prop" ] ;;
		ok) true ;;
		file:* | idmap:*) true ;; # below, from the host
		esac || { echo "$name: expected $check, got per-mount [$per] superblock [$sb] propagation [$prop]"; bad=1; }
	done < <(mount_table)
	[ -z "$bad" ]

	# What a file check needs: the container's mount namespace, alive.
	update_config '.process.args = ["sleep", "1000"]'
	carve_create --bundle "$BUNDLE" "$ID-f"
	local root
	root=/proc/$(carve state "$ID-f" | jq .pid)/root
	[ "$(cat "$root/mnt/bind/file")" = hello ]
	[ ! -e "$root/mnt/bind/sub/subfile" ] # bind: not recursive
	[ "$(cat "$root/mnt/rbind/sub/subfile")" = sub ]
	[ "$(cat "$root/mnt/tmpcopyup/copied")" = copied ]
	# idmap: the host's root-owned file is seen as 100000; ridmap also in
	# the submount.
	[ "$(stat -c %u:%g "$root/mnt/idmap/file")" = 100000:100000 ]
	[ "$(stat -c %u:%g "$root/mnt/ridmap/sub/subfile")" = 100000:100000 ]
	[ "$(stat -c %u:%g "$root/mnt/rbind/sub/subfile")" = 0:0 ]
	carve delete -f "$ID-f"

	# A name the list does not have is the filesystem's, which refuses it.
	update_config '.mounts = [.mounts[] | select(.destination | startswith("/mnt/") | not)]
		| .mounts += [{"destination": "/mnt/x", "type": "tmpfs", "source": "tmpfs", "options": ["carve-no-such-option"]}]'
	run carve create --bundle "$BUNDLE" "$ID-x"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mount \`tmpfs\` with options \`carve-no-such-option\`"* ]]
	assert_no_leftovers "$ID-x"
}

# ns_of PID TYPE: the namespace of TYPE (the spec's name) PID is in.
ns_of() {
	local f=$2
	case $f in mount) f=mnt ;; network) f=net ;; esac
	readlink "/proc/$1/ns/$f"
}

@test "features: every listed namespace is made in oci mode; permeable mode shares the host's but mount and user" {
	local listed
	listed=$(features | jq -r '.linux.namespaces[]' | xargs)
	[ "$listed" = "cgroup ipc mount network pid time user uts" ]
	local ns='[{"type": "cgroup"}, {"type": "ipc"}, {"type": "mount"}, {"type": "network"}, {"type": "pid"},
		{"type": "time"}, {"type": "uts"}, {"type": "user"}]'
	update_config ".linux.namespaces = $ns
		| .linux.uidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]
		| .linux.gidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]"
	# The namespace's root (the host's 100000) must reach the rootfs, as
	# with runc: bats makes its run directory 0700.
	chmod o+x "$BATS_RUN_TMPDIR"
	mountpoint -q /dev/mqueue || update_config '.mounts |= map(select(.destination != "/dev/mqueue"))'
	local mode pid t
	for mode in oci permeable; do
		"$CARVE_BINARY" --root "$TEST_ROOT" --isolation "$mode" create --bundle "$BUNDLE" "$ID-$mode" \
			</dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 || { cat "$BATS_TEST_TMPDIR/create.out"; false; }
		# Started: the init enters its time namespace at exec.
		carve start "$ID-$mode"
		pid=$(carve state "$ID-$mode" | jq .pid)
		for t in $listed; do
			echo "$mode $t: $(ns_of "$pid" "$t") host $(ns_of self "$t")"
			case $mode:$t in
			oci:* | permeable:mount | permeable:user) [ "$(ns_of "$pid" "$t")" != "$(ns_of self "$t")" ] ;;
			permeable:*) [ "$(ns_of "$pid" "$t")" = "$(ns_of self "$t")" ] ;;
			esac
		done
		[ "$(awk '{print $1, $2, $3}' "/proc/$pid/uid_map")" = "0 100000 65536" ]
		carve delete -f "$ID-$mode"
	done
}

# seccomp_run ACTION [FLAG...]: runs `(mkdir /tmp/d.$$); echo rc=$?` under a
# profile allowing everything but mkdir and mkdirat, which get ACTION.
seccomp_run() {
	local action=$1 flags
	shift
	flags=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')
	# (mkdir) in a subshell: busybox runs mkdir in the shell's own process
	# otherwise, and a kill would take the shell with it.
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": $flags,
			\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"$action\"}]}
		| .root.readonly = false
		| .process.args = [\"sh\", \"-c\", \"(mkdir /tmp/d.\$\$); echo rc=\$?; grep ^Seccomp: /proc/self/status\"]"
	[ "$action" != SCMP_ACT_ERRNO ] || update_config '.linux.seccomp.syscalls[0].errnoRet = 13'
	[ -z "$LISTENER" ] || update_config ".linux.seccomp.listenerPath = \"$LISTENER\""
	run carve run --bundle "$BUNDLE" "$ID-$RANDOM"
	echo "$action $*: status $status: $output"
}

@test "features: every listed seccomp action does what it names" {
	local listed
	listed=$(features | jq -r '.linux.seccomp.actions[]' | xargs)
	[ "$listed" = "SCMP_ACT_ALLOW SCMP_ACT_ERRNO SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_LOG SCMP_ACT_NOTIFY SCMP_ACT_TRACE SCMP_ACT_TRAP" ]
	local a
	for a in $listed; do
		case $a in
		SCMP_ACT_NOTIFY) continue ;; # below, with an agent
		esac
		seccomp_run "$a"
		[ "$status" -eq 0 ]
		case $a in
		SCMP_ACT_ALLOW | SCMP_ACT_LOG) [[ "$output" == *"rc=0"* ]] ;;
		SCMP_ACT_ERRNO) [[ "$output" == *"Permission denied"*"rc=1"* ]] ;;
		SCMP_ACT_TRACE) [[ "$output" == *"Function not implemented"*"rc=1"* ]] ;; # no tracer: ENOSYS
		# Killed by SIGSYS: the shell sees 128 + 31.
		SCMP_ACT_KILL | SCMP_ACT_KILL_PROCESS | SCMP_ACT_KILL_THREAD | SCMP_ACT_TRAP) [[ "$output" == *"rc=159"* ]] ;;
		esac
		[[ "$output" == *"Seccomp:"*2* ]]
	done

	# NOTIFY: the agent at listenerPath answers mkdir with EROFS.
	LISTENER="$BATS_TEST_TMPDIR/agent.sock"
	timeout 60 "$CARVE_BUILDDIR/tests/helpers/seccomp-agent-once" "$LISTENER" 30 >"$BATS_TEST_TMPDIR/agent.out" 2>&1 &
	local agent=$!
	local i
	for i in $(seq 50); do grep -q listening "$BATS_TEST_TMPDIR/agent.out" && break; sleep 0.1; done
	seccomp_run SCMP_ACT_NOTIFY
	wait "$agent"
	cat "$BATS_TEST_TMPDIR/agent.out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"*"rc=1"* ]]
	# The agent got the container process state of the protocol.
	grep -q '"ociVersion"' "$BATS_TEST_TMPDIR/agent.out"
}

@test "features: every supported seccomp flag is taken by the kernel with the filter; an unknown one is refused" {
	local flags f
	flags=$(features | jq -r '.linux.seccomp.supportedFlags[]')
	[ -n "$flags" ]
	local host_ssb
	host_ssb=$(awk -F'\t' '/^Speculation_Store_Bypass:/ {print $2}' /proc/self/status)
	for f in $flags; do
		case $f in
		SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
			# Only with a listener: the NOTIFY rule and its agent.
			LISTENER="$BATS_TEST_TMPDIR/agent-$f.sock"
			timeout 60 "$CARVE_BUILDDIR/tests/helpers/seccomp-agent-once" "$LISTENER" 30 >"$BATS_TEST_TMPDIR/agent.out" 2>&1 &
			local i
			for i in $(seq 50); do grep -q listening "$BATS_TEST_TMPDIR/agent.out" && break; sleep 0.1; done
			seccomp_run SCMP_ACT_NOTIFY "$f"
			cat "$BATS_TEST_TMPDIR/agent.out"
			wait
			LISTENER=
			[ "$status" -eq 0 ]
			[[ "$output" == *"Read-only file system"*"rc=1"* ]]
			continue ;;
		esac
		seccomp_run SCMP_ACT_ERRNO "$f"
		[ "$status" -eq 0 ]
		[[ "$output" == *"Permission denied"*"rc=1"*"Seccomp:"*2* ]]
	done
	# SPEC_ALLOW: the filter does not force the speculative store bypass
	# mitigation on the process (without it the kernel does, where the CPU
	# is affected); the container's matches the shell's that started it.
	if grep -qx SECCOMP_FILTER_FLAG_SPEC_ALLOW <<<"$flags" && [ -n "$host_ssb" ]; then
		update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}
			| .process.args = ["sh", "-c", "grep ^Speculation_Store_Bypass: /proc/self/status"]'
		run -0 carve run --bundle "$BUNDLE" "$ID-ssb"
		[ "$(cut -f2 <<<"$output")" = "$host_ssb" ]
	fi
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NO_SUCH"]}'
	run carve create --bundle "$BUNDLE" "$ID-bad"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"linux.seccomp.flags[0]"*"SECCOMP_FILTER_FLAG_NO_SUCH"* ]]
	assert_no_leftovers "$ID-bad"
}
