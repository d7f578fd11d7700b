# bash completion for perfloop. Commands and options are asked of perfloop
# itself (perfloop help --commands, perfloop help CMD), so they never drift.
# Installed by `make install` into share/bash-completion/completions/perfloop.
_perfloop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-c|--config|-o|--export-hyperfine|--artifact|--vs|-a)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--preset)
		COMPREPLY=($(compgen -W "rspack generic" -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "md html json" -- "$cur"))
		return ;;
	--sort)
		COMPREPLY=($(compgen -W "sym dso,sym comm,dso,sym" -- "$cur"))
		return ;;
	--callgraph)
		COMPREPLY=($(compgen -W "none fp dwarf" -- "$cur"))
		return ;;
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(perfloop help --commands 2>/dev/null) -c -q --version --help" -- "$cur"))
	elif [ "$cmd" = help ]; then
		COMPREPLY=($(compgen -W "$(perfloop help --commands 2>/dev/null) config exit-codes" -- "$cur"))
	elif [ "$cmd" = baseline ] && [ "$prev" = baseline ]; then
		COMPREPLY=($(compgen -W "save list" -- "$cur"))
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(perfloop help "$cmd" 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _perfloop perfloop
