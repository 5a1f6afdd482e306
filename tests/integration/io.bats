#!/usr/bin/env bats
# What carve hands to and takes from its caller: --version, spec, features,
# --pid-file, --console-socket and terminals, --preserve-fds, LISTEN_FDS,
# NOTIFY_SOCKET, --no-pivot, --no-new-keyring.

load helpers

# A hung test fails instead of blocking the suite.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

teardown() {
	local p
	for p in "${STARTED_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	teardown_common
}

STARTED_PIDS=()

# The sorted set of JSON paths of a config (array indexes dropped).
config_paths() {
	jq -r 'paths | map(tostring) | join(".")' "$1" | sed 's/\.[0-9]\+//g' | sort -u
}

# Starts recvtty on socket $1 (output to $2) and waits until it listens.
start_recvtty() {
	local sock=$1 out=$2 pidfile="$BATS_TEST_TMPDIR/recvtty.pid"
	rm -f "$pidfile"
	"$RECVTTY" --mode single --pid-file "$pidfile" "$sock" </dev/null >"$out" 2>&1 &
	RECVTTY_PID=$!
	STARTED_PIDS+=("$RECVTTY_PID")
	local i
	for i in $(seq 100); do [ -s "$pidfile" ] && return 0; sleep 0.02; done
	echo "recvtty did not start" >&2
	return 1
}

@test "--version prints the lines go-runc parses, as runc" {
	run carve --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^carve\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "${lines[1]}" =~ ^commit:\ .+ ]]
	[ "${lines[2]}" = "spec: 1.3.0" ]
	run carve -v
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "carve version "* ]]

	require_runc
	run runc --version
	[[ "${lines[0]}" =~ ^runc\ version\ .+ ]]
	[[ "${lines[1]}" =~ ^commit:\ .+ ]]
	[[ "${lines[2]}" =~ ^spec:\ .+ ]]
}

@test "spec writes runc's config.json and refuses to overwrite it" {
	require_runc
	mkdir "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/r"
	run carve spec --bundle "$BATS_TEST_TMPDIR/c"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	c="$BATS_TEST_TMPDIR/c/config.json"
	[ "$(jq -r .ociVersion "$c")" = 1.3.0 ]
	[ "$(jq -r .process.terminal "$c")" = true ]
	[ "$(jq -c .process.args "$c")" = '["sh"]' ]
	[ "$(jq -r .root.path "$c")" = rootfs ]
	(cd "$BATS_TEST_TMPDIR/r" && runc spec)
	# runc 1.1 still lists ambient capabilities; runc 1.2 dropped them too.
	# In permeable mode (this node's default) no hostname, which that mode
	# would only ignore with a warning; in oci mode runc's paths exactly.
	[ "$(jq 'has("hostname")' "$c")" = false ]
	diff -u <(config_paths "$BATS_TEST_TMPDIR/r/config.json" | grep -vx -e 'process.capabilities.ambient' -e hostname) \
		<(config_paths "$c")
	mkdir "$BATS_TEST_TMPDIR/o"
	carve --isolation oci spec --bundle "$BATS_TEST_TMPDIR/o"
	diff -u <(config_paths "$BATS_TEST_TMPDIR/r/config.json" | grep -vx 'process.capabilities.ambient') \
		<(config_paths "$BATS_TEST_TMPDIR/o/config.json")

	echo '{"mine": true}' >"$c"
	run carve spec --bundle "$BATS_TEST_TMPDIR/c"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$c"*exists* ]]
	[ "$(cat "$c")" = '{"mine": true}' ]
	# From the current directory, as runc.
	run bash -c "cd '$BATS_TEST_TMPDIR/c' && '$CARVE_BINARY' spec"
	[ "$status" -eq 1 ]
	[ "$(cat "$c")" = '{"mine": true}' ]
}

@test "spec --rootless has runc's user namespace and mappings" {
	require_runc
	mkdir "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/r"
	carve spec --rootless --bundle "$BATS_TEST_TMPDIR/c"
	(cd "$BATS_TEST_TMPDIR/r" && runc spec --rootless)
	c="$BATS_TEST_TMPDIR/c/config.json"
	jq -e '.linux.namespaces | map(.type) | index("user")' "$c"
	jq -e '.linux.uidMappings[0].size >= 1 and .linux.gidMappings[0].size >= 1' "$c"
	# No hostname in permeable mode, the default here (see above).
	diff -u <(config_paths "$BATS_TEST_TMPDIR/r/config.json" | grep -vx -e 'process.capabilities.ambient' -e hostname) \
		<(config_paths "$c")
}

@test "features is valid JSON with ociVersionMin and ociVersionMax" {
	run carve features
	[ "$status" -eq 0 ]
	[ "$(jq -r .ociVersionMin <<<"$output")" = 1.0.0 ]
	[ "$(jq -r .ociVersionMax <<<"$output")" = 1.3.0 ]
	jq -e '.hooks | index("createRuntime") and index("poststop")' <<<"$output"
	jq -e '.linux.namespaces | index("mount")' <<<"$output"
	carve_keys=$(jq -c 'keys' <<<"$output")

	require_runc
	run runc features
	[ "$status" -eq 0 ]
	# Every key runc has, carve has.
	jq -e --argjson c "$carve_keys" 'keys - $c == []' <<<"$output"
}

@test "--pid-file holds the init's PID, relative or absolute, as runc writes it" {
	carve_create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/abs.pid" "$ID"
	pid=$(carve state "$ID" | jq -r .pid)
	[ "$(cat "$BATS_TEST_TMPDIR/abs.pid")" = "$pid" ]
	# No newline, as runc.
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/abs.pid")" -eq "${#pid}" ]

	cd "$BATS_TEST_TMPDIR"
	carve_create --bundle "$BUNDLE" --pid-file rel.pid "$ID-2"
	[ "$(cat "$BATS_TEST_TMPDIR/rel.pid")" = "$(carve state "$ID-2" | jq -r .pid)" ]

	require_runc
	runc_ create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/runc.pid" "$ID" </dev/null >/dev/null 2>&1
	rpid=$(cat "$BATS_TEST_TMPDIR/runc.pid")
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/runc.pid")" -eq "${#rpid}" ]
}

@test "--pid-file in a missing directory fails and leaves nothing" {
	run carve create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" "$ID"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *pid-file* ]]
	assert_no_leftovers "$ID"
}

# Runs the container with a terminal through --console-socket with RUNTIME
# (carve or runc_) and prints what recvtty received.
console_socket_output() {
	local runtime=$1 sock="$BATS_TEST_TMPDIR/console.sock" out="$BATS_TEST_TMPDIR/console.out"
	rm -f "$sock"
	start_recvtty "$sock" "$out"
	"$runtime" create --bundle "$BUNDLE" --console-socket "$sock" "$ID" </dev/null >/dev/null 2>&1
	"$runtime" start "$ID"
	wait "$RECVTTY_PID"
	tr -d '\r' <"$out"
}

@test "--console-socket hands the pty master to recvtty, as runc" {
	[ -x "$RECVTTY" ] || skip "recvtty is not built (make tests/helpers/recvtty)"
	update_config '.process.terminal = true | .process.args = ["sh", "-c", "tty; echo hello; stty size"]
		| .process.consoleSize = {"height": 30, "width": 100}'
	carve_out=$(console_socket_output carve)
	echo "carve: $carve_out"
	[ "$carve_out" = "$(printf '/dev/pts/0\nhello\n30 100')" ]

	require_runc
	runc_out=$(console_socket_output runc_)
	echo "runc: $runc_out"
	[ "$carve_out" = "$runc_out" ]
}

@test "--console-socket that nobody listens on fails and leaves nothing" {
	update_config '.process.terminal = true'
	run carve create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nobody.sock" "$ID"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *console-socket*"$BATS_TEST_TMPDIR/nobody.sock"* ]]
	assert_no_leftovers "$ID"
}

@test "process.terminal without --console-socket in create is an error" {
	update_config '.process.terminal = true'
	run carve create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"process.terminal"*"--console-socket"* ]]
	assert_no_leftovers "$ID"

	update_config '.process.terminal = false'
	run carve create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/x.sock" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--console-socket"*"process.terminal"* ]]
	assert_no_leftovers "$ID"
}

@test "foreground run with a terminal, under a pty" {
	command -v script >/dev/null || skip "script(1) is not installed"
	update_config '.process.terminal = true | .process.args = ["sh", "-c", "tty; echo hello; exit 4"]'
	run script -qec "'$CARVE_BINARY' --root '$TEST_ROOT' run --bundle '$BUNDLE' '$ID'" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *hello* ]]
	assert_no_leftovers "$ID"
}

@test "--preserve-fds passes descriptors 3.. to the container" {
	echo fd3-data >"$BATS_TEST_TMPDIR/f3"
	echo fd4-data >"$BATS_TEST_TMPDIR/f4"
	update_config '.process.args = ["sh", "-c", "cat <&3; cat <&4; ls /proc/self/fd/5 2>/dev/null || echo no-fd5"]'
	run carve run --preserve-fds 2 --bundle "$BUNDLE" "$ID" 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5</dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'fd3-data\nfd4-data\nno-fd5')" ]

	# Without the option nothing leaks.
	update_config '.process.args = ["sh", "-c", "ls /proc/self/fd/3 2>/dev/null || echo no-fd3"]'
	run carve run --bundle "$BUNDLE" "$ID" 3<"$BATS_TEST_TMPDIR/f3"
	[ "$status" -eq 0 ]
	[ "$output" = no-fd3 ]

	run carve run --preserve-fds x --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--preserve-fds"* ]]
}

@test "LISTEN_FDS: the fds, LISTEN_FDS and LISTEN_PID reach the container, as runc" {
	echo socket-data >"$BATS_TEST_TMPDIR/f3"
	update_config '.process.args = ["sh", "-c", "echo fds=$LISTEN_FDS pid-ok=$([ \"$LISTEN_PID\" = $$ ] && echo yes); { cat <&3; } 2>/dev/null || echo no-fd3"]'
	# As systemd starts it: LISTEN_PID is the runtime's own PID.
	activate='LISTEN_FDS=1 LISTEN_PID=$$ exec "$@" 3<"$F3"'
	export F3="$BATS_TEST_TMPDIR/f3"
	run bash -c "$activate" - "$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'fds=1 pid-ok=yes\nsocket-data')" ]

	# Meant for another process (an ancestor's leftover): not passed on.
	LISTEN_FDS=1 LISTEN_PID=1 run carve run --bundle "$BUNDLE" "$ID" 3<"$F3"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'fds= pid-ok=\nno-fd3')" ]

	require_runc
	run bash -c "$activate" - runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$output" = "$(printf 'fds=1 pid-ok=yes\nsocket-data')" ]
	LISTEN_FDS=1 LISTEN_PID=1 run runc_ run --bundle "$BUNDLE" "$ID" 3<"$F3"
	[ "$output" = "$(printf 'fds= pid-ok=\nno-fd3')" ]
}

# A static sd_notify(3) sender for the busybox rootfs, which has none.
build_sdnotify() {
	local out="$BATS_FILE_TMPDIR/sdnotify"
	[ -x "$out" ] && return 0
	command -v cc >/dev/null || return 1
	cat >"$BATS_FILE_TMPDIR/sdnotify.c" <<-'EOF'
		#include <stdlib.h>
		#include <string.h>
		#include <sys/socket.h>
		#include <sys/un.h>
		int
		main (int argc, char **argv)
		{
		  const char *path = getenv ("NOTIFY_SOCKET");
		  struct sockaddr_un a = { .sun_family = AF_UNIX };
		  int fd;
		  if (path == NULL || argc != 2 || strlen (path) >= sizeof (a.sun_path))
		    return 2;
		  strcpy (a.sun_path, path);
		  fd = socket (AF_UNIX, SOCK_DGRAM, 0);
		  if (fd < 0 || sendto (fd, argv[1], strlen (argv[1]), 0, (struct sockaddr *) &a, sizeof (a)) < 0)
		    return 1;
		  return 0;
		}
	EOF
	cc -static -O2 -o "$out" "$BATS_FILE_TMPDIR/sdnotify.c" 2>/dev/null
}

@test "NOTIFY_SOCKET: start passes the container's READY=1 on" {
	command -v python3 >/dev/null || skip "python3 is needed for the notify listener"
	build_sdnotify || skip "no C compiler with static libc to build an sd_notify sender"
	cp "$BATS_FILE_TMPDIR/sdnotify" "$BUNDLE/rootfs/bin/sdnotify"
	update_config '.process.args = ["sh", "-c", "sleep 0.2; sdnotify READY=1; sleep 1000"]'
	sock="$BATS_TEST_TMPDIR/notify.sock"
	got="$BATS_TEST_TMPDIR/notify.got"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w") as out:
    while True:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        out.write(d.decode() + "\n")
        out.flush()
' "$sock" "$got" &
	STARTED_PIDS+=("$!")
	for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
	NOTIFY_SOCKET="$sock" carve_create --bundle "$BUNDLE" "$ID"
	[ ! -s "$got" ]
	run carve start "$ID"
	[ "$status" -eq 0 ]
	# start returns once READY=1 was passed on.
	pid=$(carve state "$ID" | jq -r .pid)
	cat "$got"
	grep -qx READY=1 "$got"
	grep -qx "MAINPID=$pid" "$got"
}

@test "--no-pivot runs the container in its rootfs" {
	touch "$BUNDLE/rootfs/carve-rootfs"
	update_config '.process.args = ["sh", "-c", "ls /carve-rootfs; cut -d\" \" -f5 /proc/self/mountinfo | head -n 1"]'
	run carve run --no-pivot --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/carve-rootfs\n/')" ]
	assert_no_leftovers "$ID"

	require_runc
	run runc_ run --no-pivot --bundle "$BUNDLE" "$ID"
	[ "$output" = "$(printf '/carve-rootfs\n/')" ]
}

@test "--no-new-keyring keeps the caller's session keyring" {
	[ -r /proc/keys ] || skip "no /proc/keys (CONFIG_KEYS)"
	carve run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	# A new session keyring named after the container.
	grep -E "keyring +$ID: " /proc/keys
	carve delete -f "$ID"

	carve run -d --no-new-keyring --bundle "$BUNDLE" "$ID-k" </dev/null >/dev/null 2>&1
	[ "$(carve state "$ID-k" | jq -r .status)" = running ]
	run grep -E "keyring +$ID-k: " /proc/keys
	[ "$status" -eq 1 ]
}
