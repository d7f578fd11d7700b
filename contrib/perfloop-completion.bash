# bash completion for perfloop. Commands, options and what their values are
# (a file, one of some words) are asked of perfloop itself (perfloop help
# --complete [COMMAND [SUBCOMMAND]]), which makes them from the command table,
# so they never drift.
# Installed by `make install` into share/bash-completion/completions/perfloop.
_perfloop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd="" at=0 i spec kind words
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; at=$i; break ;;
		esac
	done
	spec=$(perfloop help --complete $cmd 2>/dev/null)
	# "baseline save ...": the subcommand's own options
	words=$(sed -n 's/^\* subcommand //p' <<<"$spec")
	if [ -n "$words" ] && ((at + 1 < COMP_CWORD)); then
		spec=$(perfloop help --complete "$cmd" "${COMP_WORDS[at+1]}" 2>/dev/null)
	fi
	# the value of the option before the cursor
	if [[ $prev == -* ]]; then
		read -r kind words < <(awk -v o="$prev" '$1 == o { $1 = ""; print }' <<<"$spec")
		case $kind in
		file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		words) COMPREPLY=($(compgen -W "$words" -- "$cur")); return ;;
		value) COMPREPLY=(); return ;;
		esac
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(awk '$1 != "*" { print $1 }' <<<"$spec")" -- "$cur"))
		return
	fi
	read -r kind words < <(awk '$1 == "*" { $1 = ""; print }' <<<"$spec")
	case $kind in
	file) COMPREPLY=($(compgen -f -- "$cur")) ;;
	words) COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
	subcommand) ((at + 1 == COMP_CWORD)) && COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
	*) COMPREPLY=() ;;
	esac
}
complete -F _perfloop perfloop
