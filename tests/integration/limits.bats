#!/usr/bin/env bats
# Oversized input: a config far beyond any real one, a mount table the
# kernel could never hold, a runaway annotation.  Each is refused quickly
# with one line naming the limit, exit status 1 and nothing left behind,
# and never takes the node's memory; what is large but legitimate (a client's
# annotation of a megabyte) still works.  A create that fails half-way
# through its mounts leaves no mountpoint in the image either.

load helpers

# carve, its stdout kept out of bats' pipe: should a create that ought to
# fail succeed, its init would hold the pipe open and hang the test.
carve_quiet() {
	timeout 30 "$CARVE_BINARY" --root "$TEST_ROOT" "$@" >>"$BATS_TEST_TMPDIR/stdout"
}

# expect_refused MSG ARGS...: `carve ARGS...` fails within 30 s, exit 1,
# one short line on stderr containing MSG.
expect_refused() {
	local msg=$1
	shift
	run --separate-stderr carve_quiet "$@"
	echo "exit status: $status"
	echo "stderr: ${stderr:0:400}"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "${#stderr}" -lt 300 ]
	[[ "$stderr" == "carve: "*"$msg"* ]]
}

# update_config_with_file FILE FILTER: FILTER with $v the content of FILE.
update_config_with_file() {
	jq --rawfile v "$1" "$2" "$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
}

# A listing of the bundle's rootfs, to show that a refused create made
# nothing in it.
rootfs_listing() {
	find "$BUNDLE/rootfs" -printf '%M %s %p\n' | sort -k3
}

@test "limits: a 100 MB config.json is refused before it is read" {
	local cfg="$BUNDLE/config.json"
	# Valid JSON: the default config, then 100 MB of white space.
	head -c $((100 << 20)) /dev/zero | tr '\0' ' ' >>"$cfg"
	SECONDS=0
	expect_refused "\`$cfg\`: larger than 16 MiB" create --bundle "$BUNDLE" "$ID"
	[ "$SECONDS" -lt 5 ]
	assert_no_leftovers "$ID"
}

@test "limits: a config.json that never ends is refused at the limit" {
	# Not a regular file, so its size is unknown until it is read: carve
	# stops at the limit instead of reading /dev/zero forever.
	ln -sf /dev/zero "$BUNDLE/config.json"
	SECONDS=0
	expect_refused "config.json\`: larger than 16 MiB" create --bundle "$BUNDLE" "$ID"
	[ "$SECONDS" -lt 10 ]
	assert_no_leftovers "$ID"
}

@test "limits: 100 000 mounts are refused before any mountpoint is made" {
	update_config '.mounts += [range(0; 100000) | {destination: "/m/d\(.)", type: "tmpfs", source: "tmpfs"}]'
	rootfs_listing >"$BATS_TEST_TMPDIR/before"
	for iso in permeable oci; do
		SECONDS=0
		expect_refused "mounts: 100007 entries, more than the 4096 carve takes" \
			--isolation "$iso" create --bundle "$BUNDLE" "$ID"
		[ "$SECONDS" -lt 10 ]
		assert_no_leftovers "$ID"
		rootfs_listing | diff "$BATS_TEST_TMPDIR/before" -
	done
}

@test "limits: a create that fails at its last mount leaves no mountpoint in the rootfs" {
	# 4000 mountpoints made, in new directories and in existing ones, with a
	# file bind target among them; the last mount's source does not exist.
	update_config '.mounts += [range(0; 4000) | {destination: "/m/d\(.)/sub", type: "tmpfs", source: "tmpfs"}]
		+ [{destination: "/tmp/new", type: "tmpfs", source: "tmpfs"},
		   {destination: "/etc/hostfile", type: "bind", source: "/etc/hostname", options: ["bind"]},
		   {destination: "/x/y", type: "bind", source: "/nonexistent-source", options: ["bind"]}]'
	rootfs_listing >"$BATS_TEST_TMPDIR/before"
	for iso in permeable oci; do
		SECONDS=0
		expect_refused "/nonexistent-source" --isolation "$iso" create --bundle "$BUNDLE" "$ID"
		[ "$SECONDS" -lt 30 ]
		assert_no_leftovers "$ID"
		rootfs_listing | diff "$BATS_TEST_TMPDIR/before" -
	done
	# What was in the image before stays, content and all.
	[ -d "$BUNDLE/rootfs/tmp" ] && [ -s "$BUNDLE/rootfs/etc/passwd" ]
}

@test "limits: a failed create keeps what it did not make in a new directory" {
	# A file with content in a directory the create made is not carve's to
	# remove: a createRuntime hook wrote it.
	local hook=$BATS_TEST_TMPDIR/hook.sh
	printf '#!/bin/sh\necho kept >%s/rootfs/m/d0/note\nexit 1\n' "$BUNDLE" >"$hook"
	chmod +x "$hook"
	update_config '.mounts += [{destination: "/m/d0/sub", type: "tmpfs", source: "tmpfs"},
			{destination: "/m/d1", type: "tmpfs", source: "tmpfs"}]
		| .hooks.createRuntime = [{path: "'"$hook"'"}]'
	run --separate-stderr "$CARVE_BINARY" --root "$TEST_ROOT" create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[ "$(cat "$BUNDLE/rootfs/m/d0/note")" = kept ]
	[ ! -e "$BUNDLE/rootfs/m/d1" ] && [ ! -e "$BUNDLE/rootfs/m/d0/sub" ]
	assert_no_leftovers "$ID"
}

@test "limits: a 1 MB carve.* annotation is one short line naming the key" {
	local big=$BATS_TEST_TMPDIR/big
	# Through a file: one argument of exec(2) holds at most 128 KiB.
	head -c $((1 << 20)) /dev/zero | tr '\0' '1' >"$big"
	update_config_with_file "$big" '.annotations = {"carve.cpus": $v}'
	expect_refused "annotations.carve.cpus: a value of 1048576 bytes, more than the 4096 carve takes" \
		create --bundle "$BUNDLE" "$ID"
	assert_no_leftovers "$ID"
	# A runaway unknown carve.* key is named by its start.
	update_config_with_file "$big" '.annotations = {("carve." + $v): "1"}'
	expect_refused "...: not a carve annotation" create --bundle "$BUNDLE" "$ID"
	assert_no_leftovers "$ID"
}

@test "limits: a client's 1 MB annotation is kept as given" {
	local big=$BATS_TEST_TMPDIR/big
	head -c $((1 << 20)) /dev/zero | tr '\0' 'x' >"$big"
	update_config_with_file "$big" '.annotations = {"org.example.blob": $v}'
	carve_create --bundle "$BUNDLE" "$ID"
	[ "$(carve state "$ID" | jq -r '.annotations["org.example.blob"] | length')" -eq $((1 << 20)) ]
	carve delete -f "$ID"
	assert_no_leftovers "$ID"
}

@test "limits: oversized process.json and update -r documents are refused" {
	carve_create --bundle "$BUNDLE" "$ID"
	local p=$BATS_TEST_TMPDIR/process.json r=$BATS_TEST_TMPDIR/resources.json
	{ echo '{"args": ["true"], "cwd": "/"}'; head -c $((17 << 20)) /dev/zero | tr '\0' ' '; } >"$p"
	expect_refused "\`$p\`: larger than 16 MiB" exec -p "$p" "$ID"
	{ echo '{}'; head -c $((17 << 20)) /dev/zero | tr '\0' ' '; } >"$r"
	expect_refused "-r: \`$r\`: larger than 16 MiB" update -r "$r" "$ID"
	expect_refused "-r: \`the standard input\`: larger than 16 MiB" update -r - "$ID" <"$r"
	# A stream with no end stops at the limit too.
	SECONDS=0
	expect_refused "-r: \`the standard input\`: larger than 16 MiB" update -r - "$ID" </dev/zero
	[ "$SECONDS" -lt 10 ]
	[ "$(carve state "$ID" | jq -r .status)" = created ]
}
