#!/bin/bash
# make install: the binary, the manual page (made from the command table) and
# the bash completion, which completes commands and options.
. "$(dirname "$0")/lib.sh"

test_expect_success 'make install puts binary, man page and completion under PREFIX' '
	make -s -C "$SRC" O="$PERFLOOP_BUILD" install PREFIX="$TEST_DIR/prefix" >/dev/null &&
	test -x prefix/bin/perfloop &&
	test -f prefix/share/man/man1/perfloop.1 &&
	test -f prefix/share/bash-completion/completions/perfloop
'

test_expect_success 'the man page lists every command and exit code, and renders cleanly' '
	for c in $("$PERFLOOP" help --commands); do
		grep -q "^\.SS $c$" prefix/share/man/man1/perfloop.1 || die_test "no $c" || return 1
	done &&
	grep -q "130" prefix/share/man/man1/perfloop.1 &&
	if command -v groff >/dev/null; then
		groff -man -ww -z prefix/share/man/man1/perfloop.1 2>warn && ! test -s warn
	fi
'

test_expect_success 'completion offers commands and a command'"'"'s options' '
	PATH="$TEST_DIR/prefix/bin:$PATH" bash -c "
		. prefix/share/bash-completion/completions/perfloop
		COMP_WORDS=(perfloop be); COMP_CWORD=1; _perfloop; echo \${COMPREPLY[*]}
		COMP_WORDS=(perfloop bench --ex); COMP_CWORD=2; _perfloop; echo \${COMPREPLY[*]}
	" >out &&
	sed -n 1p out | grep -qx bench &&
	sed -n 2p out | grep -qx -- --export-hyperfine
'

test_expect_success 'completion asks perfloop what an option'"'"'s value is and what a subcommand takes' '
	mkdir cwd && touch cwd/art.so &&
	(cd cwd && PATH="$TEST_DIR/prefix/bin:$PATH" bash -c "
		. ../prefix/share/bash-completion/completions/perfloop
		c() { COMP_WORDS=(\"\$@\"); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=()
			_perfloop; echo \"\${COMPREPLY[*]}\"; }
		c perfloop report --format \"\"
		c perfloop bench --export-hyperfine a
		c perfloop bench --runs \"\"
		c perfloop baseline \"\"
		c perfloop baseline save --
		c perfloop baseline list --
		c perfloop profile --li
		c perfloop -c x hotspots --sort c
		c perfloop help ke
		c perfloop init --preset r
	") >out &&
	sed -n 1p out | grep -qx "md html json" &&
	sed -n 2p out | grep -qx "art.so" &&
	sed -n 3p out | grep -qx "" &&
	sed -n 4p out | grep -qx "save list" &&
	sed -n 5p out | grep -qx -- "--artifact --json" &&
	sed -n 6p out | grep -qx -- "--json" &&
	sed -n 7p out | grep -qx -- "--list --limit" &&
	sed -n 8p out | grep -qx "comm,dso,sym" &&
	sed -n 9p out | grep -qx "keep" &&
	sed -n 10p out | grep -qx "rspack"
'

test_expect_success 'the man page has every option of every command, and keep'"'"'s real push' '
	for c in $("$PERFLOOP" help --commands); do
		"$PERFLOOP" help --complete "$c" | awk "/^--/ {print \$1}" | sed "s/-/\\\\\\\\-/g" >opts &&
		while read -r o; do
			grep -q -- "$o" prefix/share/man/man1/perfloop.1 || die_test "no $o" || return 1
		done <opts || return 1
	done &&
	grep -q "force\\\\-with\\\\-lease" prefix/share/man/man1/perfloop.1
'

test_done
