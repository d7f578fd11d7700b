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

test_done
