#!/usr/bin/env bats
# Configs that other tools generate, run through Debian's runc (in a private
# --root) and through carve: what runc starts, carve starts, and the two agree
# on what the container and its hooks see.

load helpers

# Runs the bundle in the foreground with runtime $1 (carve or runc_) as
# container $2; sets $status and $output.
run_fg() {
	local rt=$1 id=$2
	run "$rt" run --bundle "$BUNDLE" "$id" </dev/null
}

# A seccomp profile that denies by default and allows every system call this
# machine's headers name except those given: the shape of the older Docker
# and Kubernetes RuntimeDefault profiles, which predate close_range.
seccomp_allow_all_but() {
	local except
	except=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	sed -n 's/^#define __NR_\([a-z0-9_]*\) [0-9]*$/\1/p' /usr/include/x86_64-linux-gnu/asm/unistd_64.h |
		jq -R . | jq -s --argjson except "$except" \
		'{defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"],
		  syscalls: [{names: (. - $except), action: "SCMP_ACT_ALLOW"}]}'
}

@test "a seccomp profile without close_range and no noNewPrivileges: runc and carve both start it, no descriptor leaks" {
	require_runc
	[ -r /usr/include/x86_64-linux-gnu/asm/unistd_64.h ] || skip "no x86_64 syscall header (apt-get install linux-libc-dev)"
	local profile
	profile=$(seccomp_allow_all_but close_range)
	jq --argjson p "$profile" '.process.noNewPrivileges = false | .linux.seccomp = $p
		| .process.args = ["sh", "-c", "ls /proc/self/fd; echo ok"]' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"

	run_fg runc_ "$ID-runc"
	echo "runc: $output"
	[ "$status" -eq 0 ]
	local from_runc=$output

	run_fg carve "$ID"
	echo "carve: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "$from_runc" ]
	[[ "$output" == *ok ]]
}

# Every hook kind saves the state it reads on stdin to $out/<kind>; the
# startContainer hook (its path resolves in the container) through a bind
# mount of $out at /hookout.
hooks_saving_state() {
	local out=$1
	mkdir -p "$out"
	printf '#!/bin/sh\ncat >"%s/$1"\n' "$out" >"$BATS_TEST_TMPDIR/save-state"
	printf '#!/bin/sh\ncat >"/hookout/$1"\n' >"$BUNDLE/rootfs/bin/save-state"
	chmod +x "$BATS_TEST_TMPDIR/save-state" "$BUNDLE/rootfs/bin/save-state"
	local h="$BATS_TEST_TMPDIR/save-state"
	jq --arg h "$h" --arg out "$out" '.process.args = ["true"]
		| .mounts += [{destination: "/hookout", type: "bind", source: $out, options: ["rbind"]}]
		| .hooks = {
			prestart: [{path: $h, args: ["save-state", "prestart"]}],
			createRuntime: [{path: $h, args: ["save-state", "createRuntime"]}],
			createContainer: [{path: $h, args: ["save-state", "createContainer"]}],
			startContainer: [{path: "/bin/save-state", args: ["save-state", "startContainer"]}],
			poststart: [{path: $h, args: ["save-state", "poststart"]}],
			poststop: [{path: $h, args: ["save-state", "poststop"]}]}' \
		"$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
}

@test "hooks read on stdin the status runc gives them (poststart: running, as runtime.md says)" {
	require_runc
	local kind
	for rt in runc carve; do
		hooks_saving_state "$BATS_TEST_TMPDIR/$rt"
		if [ "$rt" = runc ]; then
			runc_ create --bundle "$BUNDLE" "$ID-runc" </dev/null
			runc_ start "$ID-runc"
			sleep 0.3
			runc_ delete "$ID-runc"
		else
			carve_create --bundle "$BUNDLE" "$ID"
			carve start "$ID"
			wait_for_status "$ID" stopped
			carve delete "$ID"
		fi
	done
	for kind in prestart createRuntime createContainer startContainer poststart poststop; do
		local r c
		r=$(jq -r '.status, .id, (.pid != null), .bundle' "$BATS_TEST_TMPDIR/runc/$kind" | tr '\n' ' ')
		c=$(jq -r '.status, .id, (.pid != null), .bundle' "$BATS_TEST_TMPDIR/carve/$kind" | tr '\n' ' ')
		echo "$kind: runc [$r] carve [$c]"
		r=${r//$ID-runc/ID}
		c=${c//$ID/ID}
		if [ "$kind" = poststart ]; then
			# runc 1.1 passes `created`; the user's program runs by then.
			[ "$c" = "running ID true $BUNDLE " ]
		else
			[ "$c" = "$r" ]
		fi
	done
	[ "$(jq -r .status "$BATS_TEST_TMPDIR/carve/prestart")" = creating ]
}

# The config of issue 13, item 1: properties carve does not know, foreign
# annotations, and a process that is copied into the rootfs after `create`.
config_with_unknowns() {
	update_config '.process.args = ["/opt/job"] | .future = {"x": 1} | .process.futureField = true
		| .linux.futureLinux = {} | .annotations = {"org.example.tool": "1", "io.kubernetes.cri.container-type": "container"}'
	mkdir -p "$BUNDLE/rootfs/opt"
}

@test "a process copied into the rootfs after create runs, with runc and with carve" {
	require_runc
	config_with_unknowns
	printf '#!/bin/sh\necho old\n' >"$BUNDLE/rootfs/opt/job"
	chmod +x "$BUNDLE/rootfs/opt/job"
	local rt id
	for rt in runc_ carve; do
		id=$ID
		[ "$rt" = runc_ ] && id=$ID-runc
		# A new file, a new inode, at the path create saw.
		"$rt" create --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 ||
			{ cat "$BATS_TEST_TMPDIR/create.out"; false; }
		rm "$BUNDLE/rootfs/opt/job"
		printf '#!/bin/sh\necho copied after create\n' >"$BUNDLE/rootfs/opt/job.new"
		chmod +x "$BUNDLE/rootfs/opt/job.new"
		mv "$BUNDLE/rootfs/opt/job.new" "$BUNDLE/rootfs/opt/job"
		run "$rt" start "$id"
		[ "$status" -eq 0 ]
		# The container's stdout is the one create was given.
		local i
		for i in $(seq 50); do
			grep -q copied "$BATS_TEST_TMPDIR/create.out" && break
			sleep 0.1
		done
		echo "$rt: $(cat "$BATS_TEST_TMPDIR/create.out")"
		[ "$(cat "$BATS_TEST_TMPDIR/create.out")" = "copied after create" ]
		"$rt" delete -f "$id"
		printf '#!/bin/sh\necho old\n' >"$BUNDLE/rootfs/opt/job"
		chmod +x "$BUNDLE/rootfs/opt/job"
	done
}

@test "a process missing at create is refused at create by both, naming the path, nothing left behind" {
	require_runc
	config_with_unknowns
	run runc_ create --bundle "$BUNDLE" "$ID-runc" </dev/null
	echo "runc: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/opt/job"*"no such file or directory"* ]]
	run carve create --bundle "$BUNDLE" "$ID" </dev/null
	echo "carve: $output"
	[ "$status" -eq 1 ]
	[ "$output" = "carve: exec \`/opt/job\`: No such file or directory" ]
	assert_no_leftovers "$ID"
}
