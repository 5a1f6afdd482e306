# bash completion for carve(8).  Installed as
# $(datadir)/bash-completion/completions/carve.
#
# Everything comes from carve itself, so it stays true to the binary: the
# commands from `carve --help`, a command's flags from `carve CMD --help`,
# container ids from `carve list -q` (with the --root on the line), and the
# carve.* annotation keys from `carve features`
# (potentiallyUnsafeConfigAnnotations).

_carve_global_flags="--root --log --log-format --debug --systemd-cgroup --isolation --version --help"

_carve() {
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local carve=${words[0]} i cmd="" root=()

	# The global options before the command, and the command.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--root) root=(--root "${words[i + 1]}"); ((i++)) ;;
		--log | --log-format | --isolation) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	# Values of the global options, and of the flags whose values are known.
	case $prev in
	--root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--log | --pid-file | --console-socket | -p | --process | -r | --resources)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-b | --bundle | --cwd) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
	--isolation) COMPREPLY=($(compgen -W "permeable oci" -- "$cur")); return ;;
	-f | --format)
		# delete -f is --force: its operand follows.
		if [ "$cmd" != delete ]; then
			case $cmd in
			node) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
			*) COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
			esac
			return
		fi ;;
	esac

	if [[ $cur == carve.* ]]; then
		COMPREPLY=($(compgen -W "$("$carve" features 2>/dev/null |
			sed -n 's/^ *"\(carve\.[a-z_.]*\)",\{0,1\}$/\1/p')" -- "$cur"))
		return
	fi

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_carve_global_flags" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$carve" --help 2>/dev/null |
				awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')" -- "$cur"))
		fi
		return
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$carve" "$cmd" --help 2>/dev/null | grep -E '^  -' |
			grep -oE -- '(^|[ ,])--?[a-z0-9-]+' | tr -d ' ,')" -- "$cur"))
		return
	fi

	case $cmd in
	help) COMPREPLY=($(compgen -W "$("$carve" --help 2>/dev/null |
		awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')" -- "$cur")) ;;
	spec | features | node | list) ;;
	create | run) ;; # a new id
	*)
		# The container id is the first operand.
		local operand=0
		for ((i = i + 1; i < cword; i++)); do
			[[ ${words[i]} == -* ]] || operand=1
		done
		[ "$operand" = 0 ] &&
			COMPREPLY=($(compgen -W "$("$carve" "${root[@]}" list -q 2>/dev/null)" -- "$cur"))
		;;
	esac
}
complete -F _carve carve
