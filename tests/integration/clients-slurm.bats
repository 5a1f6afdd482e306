#!/usr/bin/env bats
# Slurm (Debian's slurm-wlm 22.05) runs carve through contrib/slurm/oci.conf:
# `srun --container BUNDLE`.  The suite starts munged, slurmctld and slurmd
# on this machine alone: a private munge key and socket, a private
# slurm.conf (SLURM_CONF) with its oci.conf beside it, private state, spool,
# PID and log files, ports on the loopback address (NoInAddrAny: no daemon
# listens on another address), one node, one partition.

load helpers
load node
load clients

setup_file() {
	clients_require munged munge
	clients_require slurmctld slurmctld
	clients_require slurmd slurmd
	clients_require srun slurm-client
	clients_require mungekey munge
	# With NoInAddrAny, Slurm binds to what the host's name resolves to.
	local host addr
	host=$(hostname -s)
	addr=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
	[[ "$addr" == 127.* ]] || skip "host name $host resolves to ${addr:-nothing}, not loopback: slurmd would listen there"
	clients_setup_file
	export SLURM_ROOT="$CLIENT_DIR/carve-root-slurm"
	export SLURM_CONF="$CLIENT_DIR/etc/slurm.conf"
	mkdir -p "$CLIENT_DIR"/{etc,munge,state,spool,log}
	chmod 700 "$CLIENT_DIR/munge"

	mungekey -c -k "$CLIENT_DIR/munge/munge.key"
	# -f: munged refuses to run as root otherwise.
	clients_start_daemon munged munged -F -f --socket="$CLIENT_DIR/munge/sock" \
		--key-file="$CLIENT_DIR/munge/munge.key" --pid-file="$CLIENT_DIR/munge/munged.pid" \
		--log-file="$CLIENT_DIR/munge/munged.log" --seed-file="$CLIENT_DIR/munge/seed"
	clients_wait 10 test -S "$CLIENT_DIR/munge/sock"

	local port
	port=$(slurm_free_ports 22)
	cat >"$SLURM_CONF" <<-EOF
		ClusterName=carve
		SlurmctldHost=$host($addr)
		SlurmctldPort=$port
		SlurmdPort=$((port + 1))
		SrunPortRange=$((port + 2))-$((port + 21))
		CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
		AuthType=auth/munge
		CredType=cred/munge
		AuthInfo=socket=$CLIENT_DIR/munge/sock
		SlurmUser=root
		SlurmdUser=root
		StateSaveLocation=$CLIENT_DIR/state
		SlurmdSpoolDir=$CLIENT_DIR/spool
		SlurmctldPidFile=$CLIENT_DIR/slurmctld.pid
		SlurmdPidFile=$CLIENT_DIR/slurmd.pid
		SlurmctldLogFile=$CLIENT_DIR/log/slurmctld.log
		SlurmdLogFile=$CLIENT_DIR/log/slurmd.log
		SlurmdDebug=debug
		MailProg=/bin/true
		PlugStackConfig=$CLIENT_DIR/etc/plugstack.conf
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		AccountingStorageType=accounting_storage/none
		JobCompType=jobcomp/none
		JobContainerType=job_container/none
		SwitchType=switch/none
		MpiDefault=none
		SchedulerType=sched/builtin
		SelectType=select/cons_tres
		SelectTypeParameters=CR_CPU
		ReturnToService=2
		NodeName=carve NodeAddr=$addr NodeHostname=$host CPUs=$(nproc) State=UNKNOWN
		PartitionName=carve Nodes=carve Default=YES MaxTime=INFINITE State=UP
	EOF
	: >"$CLIENT_DIR/etc/plugstack.conf"
	sed -e "s|/usr/local/bin/carve|$CLIENT_CARVE|" -e "s|/run/carve-slurm|$SLURM_ROOT|" \
		"$CONTRIB/slurm/oci.conf" >"$CLIENT_DIR/etc/oci.conf"

	clients_start_daemon slurmctld slurmctld -D -i -f "$SLURM_CONF"
	clients_start_daemon slurmd slurmd -D -N carve -f "$SLURM_CONF"
	clients_wait 60 sh -c 'sinfo -h -N -o %t | grep -qx idle' || {
		tail -20 "$CLIENT_DIR"/slurmctld.log "$CLIENT_DIR"/slurmd.log "$CLIENT_DIR"/log/*.log >&2
		return 1
	}
	# Bundle: the busybox rootfs and config.json as `carve spec` makes it;
	# Slurm replaces process.args, env and cwd with the step's.
	export SLURM_BUNDLE="$CLIENT_DIR/bundle"
	mkdir -p "$SLURM_BUNDLE"
	cp -a "$(suite_rootfs)" "$SLURM_BUNDLE/rootfs"
	(cd "$SLURM_BUNDLE" && "$CARVE_BINARY" spec)
	jq '.process.terminal = false' "$SLURM_BUNDLE/config.json" >"$SLURM_BUNDLE/c" && mv "$SLURM_BUNDLE/c" "$SLURM_BUNDLE/config.json"
}

teardown_file() {
	[ -n "$CLIENT_DIR" ] || return 0
	scancel --quiet --full --signal KILL --user root 2>/dev/null
	clients_teardown_file
}

setup() {
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	cp -a "$SLURM_BUNDLE" "$BUNDLE"
	SRUN_PID=
}

teardown() {
	[ -n "$BATS_TEST_COMPLETED" ] || {
		clients_show_calls
		tail -5 "$CLIENT_DIR/log/slurmd.log"
	}
	if [ -n "$SRUN_PID" ]; then
		scancel --quiet --full --signal KILL --user root 2>/dev/null
		wait "$SRUN_PID" 2>/dev/null
	fi
	restore_node
}

# N consecutive TCP ports no one listens on.
slurm_free_ports() {
	local n=$1 p i busy
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		busy=$(ss -Hltn | awk -v lo="$p" -v hi="$((p + n - 1))" '{ sub(/.*:/, "", $4) } $4 >= lo && $4 <= hi' | wc -l)
		[ "$busy" = 0 ] && { echo "$p"; return 0; }
	done
	return 1
}

srun_() {
	timeout 120 srun --quiet --container "$BUNDLE" "$@"
}

# srun_bg ARGS...: srun of a step that runs until cancelled, in the
# background; its output and status in $BATS_TEST_TMPDIR/srun.{out,err,rc}.
# Sets SRUN_PID, JOB (the job id) and CID, the step's carve container,
# once it runs.
srun_bg() {
	(
		rc=0
		srun --container "$BUNDLE" "$@" >"$BATS_TEST_TMPDIR/srun.out" 2>"$BATS_TEST_TMPDIR/srun.err" </dev/null 3>&- || rc=$?
		echo "$rc" >"$BATS_TEST_TMPDIR/srun.rc"
	) 3>&- &
	SRUN_PID=$!
	clients_wait 60 sh -c 'squeue -h -t R -o %i | grep -q .'
	JOB=$(squeue -h -t R -o %i | head -1)
	CID="carve.root.$JOB.0.0"
	clients_wait 30 sh -c "'$CARVE_BINARY' --root '$SLURM_ROOT' state '$CID' | grep -q '\"running\"'"
}

@test "srun --container: the job's output, its exit status and its environment" {
	JOB=fwq run --separate-stderr srun_ sh -c 'echo "job $JOB, step $SLURM_STEP_ID"; exit 3'
	echo "stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$output" = "job fwq, step 0" ]
	grep -q "^--root $SLURM_ROOT run carve\.root\.[0-9]*\.0\.0 -b $CLIENT_DIR/spool/" "$CLIENT_DIR/calls.log"
	clients_assert_clean "$SLURM_ROOT"
}

@test "srun --container: the job's error file has its own stderr and nothing from carve" {
	# A permeable container that starts as asked (no hostname: a UTS
	# namespace of its own it does not get).
	jq 'del(.hostname)' "$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	run srun_ --error "$BATS_TEST_TMPDIR/job.err" --output "$BATS_TEST_TMPDIR/job.out" \
		sh -c 'echo to-stdout; echo to-stderr >&2'
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/job.out")" = to-stdout ]
	run cat "$BATS_TEST_TMPDIR/job.err"
	echo "job.err: $output"
	[ "$output" = to-stderr ]
	clients_assert_clean "$SLURM_ROOT"
}

@test "scancel of a running step: no carve container and no process of it remain" {
	srun_bg sleep 1000
	local pid
	pid=$("$CARVE_BINARY" --root "$SLURM_ROOT" state "$CID" | jq -r .pid)
	[ "$pid" -gt 0 ]
	kill -0 "$pid"

	run scancel "$JOB"
	[ "$status" -eq 0 ]
	clients_wait 60 test -e "$BATS_TEST_TMPDIR/srun.rc"
	wait "$SRUN_PID" || :
	SRUN_PID=
	cat "$BATS_TEST_TMPDIR/srun.err"
	[ "$(cat "$BATS_TEST_TMPDIR/srun.rc")" -ne 0 ]
	grep -q "STEP $JOB.0 ON carve CANCELLED" "$BATS_TEST_TMPDIR/srun.err"
	# The container's init and carve are gone, and so is its state.
	run ! kill -0 "$pid"
	run ! pgrep -f -- "--root $SLURM_ROOT run $CID"
	clients_assert_clean "$SLURM_ROOT"
	[ -z "$(squeue -h -o %i)" ]
}

@test "srun --container with carve.cpus in the bundle: a compute container that carve node shows" {
	clients_node_setup
	jq --arg cpu "$LAST" '.annotations["carve.cpus"] = $cpu' "$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	srun_bg sh -c 'grep Cpus_allowed_list /proc/self/status; exec sleep 1000'
	run clients_partition "$CID"
	echo "$output"
	[ "$(jq -r .cpus <<<"$output")" = "$LAST" ]
	[ "$(jq -r .exclusive <<<"$output")" = true ]
	clients_wait 10 grep -q Cpus_allowed_list "$BATS_TEST_TMPDIR/srun.out"
	[ "$(cat "$BATS_TEST_TMPDIR/srun.out")" = "Cpus_allowed_list:	$LAST" ]

	scancel "$JOB"
	clients_wait 60 test -e "$BATS_TEST_TMPDIR/srun.rc"
	wait "$SRUN_PID" || :
	SRUN_PID=
	clients_assert_clean "$SLURM_ROOT"
	assert_node_restored
}
