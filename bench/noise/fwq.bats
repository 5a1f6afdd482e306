#!/usr/bin/env bats
# The mechanics of the noise probe, bench/noise/fwq: its line has every
# field, the figures are consistent with each other, its options are
# checked.  Few samples, no timing thresholds: how noisy the machine is
# decides nothing here (that is bench/noise/run.sh's job).

bats_require_minimum_version 1.5.0

FWQ=${FWQ:-${CARVE_BUILDDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}/bench/noise/fwq}

setup() {
	[ -x "$FWQ" ] || skip "fwq is not built at $FWQ (make, or set FWQ)"
}

# The value of KEY=... in the line $1.
field() {
	local line=$1 key=$2 kv
	for kv in $line; do
		[ "${kv%%=*}" = "$key" ] && { echo "${kv#*=}"; return 0; }
	done
	echo "no $key= in: $line" >&2
	return 1
}

@test "fwq: one line with every field, in order min <= median <= p99 <= p99.9 <= max, 0 <= noise < 1" {
	run -0 "$FWQ" -n 300 -q 500 -w 10
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "fwq "* ]]
	local l=${lines[0]} k
	# The keys, in the order the README documents.
	[ "$(echo "$l" | tr ' ' '\n' | sed -n 's/=.*//p' | tr '\n' ' ')" = \
		"cpu migrations samples quantum warmup clocksource clock_ns min_ns median_ns p99_ns p999_ns max_ns mean_ns noise " ]
	for k in cpu migrations samples quantum warmup clock_ns min_ns median_ns p99_ns p999_ns max_ns mean_ns; do
		[[ "$(field "$l" $k)" =~ ^[0-9]+$ ]] || { echo "$k is not a number: $l"; false; }
	done
	[ "$(field "$l" samples)" -eq 300 ]
	[ "$(field "$l" quantum)" -eq 500 ]
	[ "$(field "$l" warmup)" -eq 10 ]
	local min med p99 p999 max mean noise
	min=$(field "$l" min_ns) med=$(field "$l" median_ns) p99=$(field "$l" p99_ns)
	p999=$(field "$l" p999_ns) max=$(field "$l" max_ns) mean=$(field "$l" mean_ns)
	[ "$min" -gt 0 ]
	[ "$min" -le "$med" ] && [ "$med" -le "$p99" ] && [ "$p99" -le "$p999" ] && [ "$p999" -le "$max" ]
	[ "$min" -le "$mean" ] && [ "$mean" -le "$max" ]
	noise=$(field "$l" noise)
	[[ "$noise" =~ ^0\.[0-9]{6}$ ]]
}

@test "fwq -r: the samples follow, one per line, between min and max, and reproduce the noise fraction" {
	run -0 "$FWQ" -n 200 -q 500 -w 10 -r
	[ "${#lines[@]}" -eq 201 ]
	local l=${lines[0]} min max noise
	min=$(field "$l" min_ns) max=$(field "$l" max_ns) noise=$(field "$l" noise)
	# Recompute min, max and sum(t - tmin)/sum(t) from the raw samples.
	run -0 awk -v min="$min" -v max="$max" -v noise="$noise" '
		NR == 1 { next }
		!/^[0-9]+$/ { print "not a sample: " $0; exit 1 }
		{ n++; s += $1; if (lo == "" || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
		END {
			if (n != 200) { print "samples: " n; exit 1 }
			if (lo != min || hi != max) { print "min/max " lo "/" hi " vs " min "/" max; exit 1 }
			f = (s - n * lo) / s
			d = f - noise; if (d < 0) d = -d
			if (d > 0.000001) { print "noise " f " vs " noise; exit 1 }
		}' <<<"$output"
}

@test "fwq -c: pinned to the last online CPU, it stays there" {
	local cpu
	cpu=$(sed 's/.*[,-]//' /sys/devices/system/cpu/online)
	run -0 "$FWQ" -c "$cpu" -n 200 -q 500 -w 10
	[ "$(field "${lines[0]}" cpu)" -eq "$cpu" ]
	[ "$(field "${lines[0]}" migrations)" -eq 0 ]
}

@test "fwq: bad options fail with exit 2 and name the option" {
	run -2 "$FWQ" -n 0
	[[ "$output" == *"-n: \`0\` is not a number"* ]]
	run -2 "$FWQ" -q abc
	[[ "$output" == *"-q: \`abc\` is not a number"* ]]
	run -2 "$FWQ" -n -5
	[[ "$output" == *"-n: \`-5\`"* ]]
	run -2 "$FWQ" -x
	[[ "$output" == *"usage: fwq"* ]]
	run -2 "$FWQ" extra
	[[ "$output" == *"unexpected argument \`extra\`"* ]]
	run -2 "$FWQ" -c 4096
	[[ "$output" == *"-c: \`4096\` is not a number from 0 to 1023"* ]]
	# A CPU the machine does not have: a clear failure, exit 1.
	if [ ! -e /sys/devices/system/cpu/cpu1023 ]; then
		run -1 "$FWQ" -c 1023 -n 10
		[[ "$output" == *"-c: cannot run on CPU 1023"* ]]
	fi
}

@test "fwq is static: it runs in a rootfs without a C library" {
	command -v readelf >/dev/null || skip "readelf is not installed (binutils)"
	# No program interpreter (ld.so) and no shared library needed.
	run -0 readelf -l "$FWQ"
	[[ "$output" != *"INTERP"* ]]
	run -0 readelf -d "$FWQ"
	[[ "$output" != *"(NEEDED)"* ]]
}
