# Helpers of the cgroup suites (cgroups.bats, cgroups-v2.bats): where a
# process's cgroup files are, and a container run by carve and by runc from
# the same bundle, for side-by-side checks.

# True when PID has exited (gone, or a zombie nobody reaped yet).
proc_gone() {
	local st
	st=$(sed -n 's/^.*) \(.\).*$/\1/p' /proc/"$1"/stat 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

wait_gone() {
	local i
	for i in $(seq 100); do proc_gone "$1" && return 0; sleep 0.05; done
	return 1
}

# The mount point of the v1 hierarchy holding controller CTRL, or of the
# cgroup2 tree when CTRL is empty.
cgroup_mount() {
	awk -v c="$1" '{
		for (i = 7; $i != "-"; i++) ;
		if (c == "" && $(i + 1) == "cgroup2") { print $5; exit }
		if (c != "" && $(i + 1) == "cgroup") {
			n = split($(i + 3), o, ",")
			for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit }
		}
	}' /proc/self/mountinfo
}

# The cgroup directory of process PID for controller CTRL: its v1
# hierarchy, or the cgroup2 tree when no v1 hierarchy holds CTRL (hugetlb
# on this node).
cgroup_dir() {
	local pid=$1 ctrl=$2 mnt="" rel
	[ -z "$ctrl" ] || mnt=$(cgroup_mount "$ctrl")
	if [ -n "$mnt" ]; then
		rel=$(awk -F: -v c="$ctrl" '{ n = split($2, k, ","); for (j = 1; j <= n; j++) if (k[j] == c) { print $3; exit } }' \
			/proc/"$pid"/cgroup)
	else
		mnt=$(cgroup_mount "")
		rel=$(awk -F: '$2 == "" { print $3; exit }' /proc/"$pid"/cgroup)
	fi
	[ -n "$mnt" ] && [ -n "$rel" ] || return 1
	echo "$mnt$rel"
}

# FILE of controller CTRL of process PID, newlines as spaces.
cg_read() {
	local dir
	dir=$(cgroup_dir "$1" "$2") || return 1
	tr '\n' ' ' <"$dir/$3" | sed 's/ *$//'
}

# Creates and starts the bundle with carve ($ID, init $CPID) and runc
# ($ID-runc, init $RPID).
run_both() {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	CPID=$(carve state "$ID" | jq -r .pid)
	runc_ run -d --bundle "$BUNDLE" "$ID-runc" </dev/null >"$BATS_TEST_TMPDIR/runc.out" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/runc.out" >&2; return 1; }
	RPID=$(runc_ state "$ID-runc" | jq -r .pid)
}

# Asserts that FILE of CTRL reads WANT in the carve container, and the same
# in runc's.
same_as_runc() {
	local ctrl=$1 file=$2 want=$3 a b
	a=$(cg_read "$CPID" "$ctrl" "$file")
	b=$(cg_read "$RPID" "$ctrl" "$file")
	echo "$ctrl/$file: carve [$a] runc [$b] want [$want]"
	[ "$a" = "$want" ] && [ "$a" = "$b" ]
}

start_carve() {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	CPID=$(carve state "$ID" | jq -r .pid)
}

# A real block device of this node, MAJOR:MINOR.
block_device() {
	local d
	for d in /sys/block/*; do
		# Not a floppy (qemu's machine has one) or a CD drive: no I/O
		# scheduler takes their weights.
		case ${d##*/} in loop* | ram* | zram* | fd* | sr*) continue ;; esac
		[ -r "$d/dev" ] && { cat "$d/dev"; return 0; }
	done
	return 1
}

# True on a node whose /sys/fs/cgroup is the cgroup2 tree alone.
pure_v2() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]
}
