#!/usr/bin/env bats
# The man pages stay true to the code: what they list is what carve knows.

load helpers

@test "carve-annotations(7) documents exactly the carve.* keys carve knows (carve features)" {
	local man="$CARVE_SRCDIR/docs/carve-annotations.7"
	[ -n "$CARVE_SRCDIR" ] || man="$BATS_TEST_DIRNAME/../../docs/carve-annotations.7"
	run "$CARVE_BINARY" features
	[ "$status" -eq 0 ]
	local known documented
	known=$(jq -r '.potentiallyUnsafeConfigAnnotations[]' <<<"$output" | grep '^carve\.' | sort)
	documented=$(sed -n 's/^\.B \(carve\.[a-z_.]*\)$/\1/p' "$man" | sort)
	echo "known: $known"
	echo "documented: $documented"
	[ -n "$known" ]
	[ "$known" = "$documented" ]
}

@test "carve(8) lists exactly the fault points the code has (CARVE_FAULT_POINT)" {
	local src="${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}"
	local in_code in_man
	in_code=$(grep -rhoE 'carve_fault_point \("[a-z]+:[a-z-]+"' "$src/runtime" | sed 's/.*"\(.*\)"/\1/' | sort -u)
	in_man=$(sed -n '/^\.B CARVE_FAULT_POINT/,/^\.\(TP\|SH\)/p' "$src/docs/carve.8" | grep -oE '\\fB[a-z]+:[a-z-]+\\fR' |
		sed 's/\\fB\(.*\)\\fR/\1/; s/\\-/-/g' | sort -u)
	echo "code: $in_code"
	echo "man: $in_man"
	[ -n "$in_code" ]
	[ "$in_code" = "$in_man" ]
}

# The commands carve knows, from its own usage.
carve_commands() {
	"$CARVE_BINARY" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | grep -vx help
}

# The long flags a command's --help lists.
help_flags() {
	"$CARVE_BINARY" "$1" --help | grep -E '^  -' | grep -oE -- '--[a-z0-9-]+' | grep -vx -- --help | sort -u
}

@test "every command has -h and --help, the same, and carve help CMD prints it too" {
	local cmd n=0
	for cmd in $(carve_commands); do
		run -0 "$CARVE_BINARY" "$cmd" --help
		[[ "${lines[0]}" == "usage: carve [global options] $cmd"* ]]
		local long=$output
		run -0 "$CARVE_BINARY" "$cmd" -h
		[ "$output" = "$long" ]
		run -0 "$CARVE_BINARY" help "$cmd"
		[ "$output" = "$long" ]
		n=$((n + 1))
	done
	[ "$n" -ge 16 ]
	run "$CARVE_BINARY" help no-such-command
	[ "$status" -eq 1 ]
	[ "$output" = "carve: help: unknown command \`no-such-command\`" ]
}

@test "each command's --help lists exactly the long flags of its getopt table" {
	local src="${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}" cmd file in_code in_help
	for cmd in $(carve_commands); do
		file="$src/runtime/cli/cmd-$cmd.c"
		case $cmd in create | run) file="$src/runtime/cli/create-options.c" ;; esac
		in_code=$(grep -oE '\{ "[a-z0-9-]+", *(no|required|optional)_argument' "$file" | sed 's/{ "\([^"]*\)".*/--\1/' | sort -u)
		# create shares run's table; these three are refused by create.
		[ "$cmd" = create ] && in_code=$(grep -vxE -- '--(detach|keep|no-subreaper)' <<<"$in_code")
		in_help=$(help_flags "$cmd")
		echo "$cmd: code [$(echo $in_code)] help [$(echo $in_help)]"
		[ "$in_code" = "$in_help" ]
	done
}

# The short flags a command's --help lists.
help_short_flags() {
	"$CARVE_BINARY" "$1" --help | grep -oE '^  -[a-zA-Z],' | tr -d ' ,' | grep -vx -- -h | sort -u
}

@test "each command's --help lists exactly the short flags of its getopt string" {
	local src="${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}" cmd file in_code in_help bad=
	for cmd in $(carve_commands); do
		file="$src/runtime/cli/cmd-$cmd.c"
		case $cmd in create | run) file="$src/runtime/cli/create-options.c" ;; esac
		in_code=$(grep -oE 'getopt_long \(argc, argv, "[^"]*"' "$file" | sed 's/.*"\(.*\)"/\1/' |
			tr -d '+:' | grep -oE '[a-zA-Z]' | sed 's/^/-/' | sort -u)
		# create shares run's string; -d is refused by create.
		[ "$cmd" = create ] && in_code=$(grep -vx -- -d <<<"$in_code")
		in_help=$(help_short_flags "$cmd")
		echo "$cmd: code [$(echo $in_code)] help [$(echo $in_help)]"
		[ "$in_code" = "$in_help" ] || bad=1
	done
	[ -z "$bad" ]
}

# man_entry CMD: the command's .TP entry of carve(8), its synopsis and text.
man_entry() {
	awk -v cmd="$1" '
		/^\.(TP|SH)/ { if (inside) exit; next_is_head = 1; next }
		next_is_head { next_is_head = 0; if ($0 ~ "^\\.BI? \"?" cmd "([ \"]|$)") inside = 1 }
		inside { print }' "${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}/docs/carve.8"
}

@test "carve(8) documents exactly the short flags each command's --help lists" {
	local cmd in_man in_help bad=
	for cmd in $(carve_commands); do
		# Long flags out first: \-\-l3\-cache\-schema has no -l in it.
		in_man=$(man_entry "$cmd" | sed -E 's/\\-\\-[a-z0-9]+(\\-[a-z0-9]+)*//g' |
			grep -oE -- '\\-[a-zA-Z]([^a-zA-Z\\]|$)' | grep -oE -- '-[a-zA-Z]' | sort -u)
		[ "$cmd" = run ] && in_man=$( (echo "$in_man"; help_short_flags create) | grep . | sort -u)
		in_help=$(help_short_flags "$cmd")
		echo "$cmd: man [$(echo $in_man)] help [$(echo $in_help)]"
		[ "$in_man" = "$in_help" ] || bad=1
	done
	[ -z "$bad" ]
}

@test "carve(8) documents exactly the global options carve --help lists" {
	local in_man in_help
	in_man=$(sed -n '/^\.SH GLOBAL OPTIONS/,/^\.SH COMMANDS/p' "${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}/docs/carve.8" |
		grep -oE -- '\\-\\-[a-z]+(\\-[a-z]+)*' | sed 's/\\-/-/g' | sort -u)
	in_help=$("$CARVE_BINARY" --help | sed -n '/^global options:/,/^$/p' | grep -oE -- '--[a-z]+(-[a-z]+)*' | sort -u)
	echo "man [$(echo $in_man)] help [$(echo $in_help)]"
	[ -n "$in_help" ]
	[ "$in_man" = "$in_help" ]
}

@test "carve(8) documents exactly the flags each command's --help lists" {
	local man="${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}/docs/carve.8" cmd in_man in_help bad=
	for cmd in $(carve_commands); do
		# The command's .TP entry: its synopsis line and text, up to the next.
		in_man=$(awk -v cmd="$cmd" '
			/^\.(TP|SH)/ { if (inside) exit; next_is_head = 1; next }
			next_is_head { next_is_head = 0; if ($0 ~ "^\\.BI? \"?" cmd "([ \"]|$)") inside = 1 }
			inside { print }' "$man" | grep -oE -- '\\-\\-[a-z0-9]+(\\-[a-z0-9]+)*' | sed 's/\\-/-/g' |
			grep -vxE -- '--(root|log|log-format|debug|systemd-cgroup|isolation)' | sort -u)
		# run takes every create flag ("[create options]").
		if [ "$cmd" = run ]; then
			in_man=$( (echo "$in_man"; help_flags create) | sort -u)
		fi
		in_help=$(help_flags "$cmd")
		echo "$cmd: man [$(echo $in_man)] help [$(echo $in_help)]"
		[ "$in_man" = "$in_help" ] || bad=1
	done
	[ -z "$bad" ]
}
