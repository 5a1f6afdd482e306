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
