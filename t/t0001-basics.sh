#!/bin/bash
# The command line itself: help, version, usage errors, configuration errors.
. "$(dirname "$0")/lib.sh"

test_expect_success 'version and help' '
	"$PERFLOOP" --version | grep -q "^perfloop [0-9]" &&
	"$PERFLOOP" help | grep -q "bench" &&
	"$PERFLOOP" help bench | grep -q -- "--export-hyperfine" &&
	"$PERFLOOP" help exit-codes | grep -q "130" &&
	"$PERFLOOP" help config | grep -q "noise-floor"
'

test_expect_success 'every command has help' '
	for c in $("$PERFLOOP" help | sed -n "/^commands:/,/^$/p" | awk "NR>1 && NF {print \$1}"); do
		"$PERFLOOP" help "$c" | grep -q "^usage: perfloop" || die_test "no help for $c" || return 1
	done
'

test_expect_success 'usage errors exit 129' '
	expect_exit 129 "$PERFLOOP" &&
	expect_exit 129 "$PERFLOOP" nosuchcommand &&
	expect_exit 129 "$PERFLOOP" --bogus help &&
	expect_exit 129 "$PERFLOOP" help nosuchtopic
'

test_expect_success 'no perfloop.ini is one clear line' '
	expect_exit 128 "$PERFLOOP" bench 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "perfloop init" err
'

test_expect_success 'unknown key names file and line and suggests' '
	printf "[bench]\ncommand = true\nrnus = 3\n" >perfloop.ini &&
	expect_exit 128 "$PERFLOOP" bench 2>err &&
	grep -q "perfloop.ini:3: unknown key .bench.rnus. (did you mean .bench.runs.?)" err
'

test_expect_success 'bad values and syntax are located' '
	printf "[bench]\nruns = many\n" >perfloop.ini &&
	expect_exit 128 "$PERFLOOP" log 2>err && grep -q "perfloop.ini:2: bad value for .bench.runs." err &&
	printf "[nope]\n" >perfloop.ini &&
	expect_exit 128 "$PERFLOOP" log 2>err && grep -q "perfloop.ini:1: unknown section \[nope\]" err &&
	printf "[bench]\njust words\n" >perfloop.ini &&
	expect_exit 128 "$PERFLOOP" log 2>err && grep -q "perfloop.ini:2: expected" err
'

test_expect_success 'config found in a parent directory, or with -c' '
	printf "[bench]\ncommand = true\nenv = X\n" >perfloop.ini &&
	mkdir -p sub/dir && (cd sub/dir && "$PERFLOOP" log) | grep -q "no benches" &&
	mkdir other && printf "[bench]\n" >other/p.ini &&
	"$PERFLOOP" -c other/p.ini log | grep -q "no benches" &&
	test -f other/.perfloop/ledger.db
'

test_expect_success 'missing required keys say which key to set' '
	printf "[bench]\ncommand = true\n" >perfloop.ini &&
	expect_exit 128 "$PERFLOOP" bench 2>err && grep -q "bench.env. is not set" err
'

test_expect_success 'README documents every configuration key and command' '
	"$PERFLOOP" help config | sed -n "s/^\[\(.*\)\]$/\1/p" >sections &&
	"$PERFLOOP" help config | awk "/^\[/ {s=substr(\$0, 2, length(\$0) - 2)} /^  [a-z]/ {print s \".\" \$1}" >keys &&
	test -s keys &&
	while read -r k; do
		grep -q "\`$k\`" "$SRC/README.md" || die_test "README lacks $k" || return 1
	done <keys &&
	for c in $("$PERFLOOP" help | sed -n "/^commands:/,/^$/p" | awk "NR>1 && NF {print \$1}"); do
		grep -q "perfloop $c" "$SRC/README.md" || die_test "README lacks perfloop $c" || return 1
	done
'

test_expect_success 'README'"'"'s command reference and key table are the ones perfloop makes' '
	"$SRC/scripts/update-readme" "$PERFLOOP" "$SRC/README.md" >readme &&
	grep -q "^<!-- commands:begin" readme && grep -q "^### \`perfloop keep\`" readme &&
	grep -q "^| \`bench.runs\` |" readme &&
	diff -u "$SRC/README.md" readme ||
	die_test "README.md differs from what perfloop makes: run make readme"
'

test_expect_success 'help, README and the man page say the same about keep'"'"'s push' '
	"$PERFLOOP" help keep >help &&
	grep -q "git push --force-with-lease -u" help && ! grep -q "git push -u" help &&
	"$PERFLOOP" help --man | grep -q "git push \\\\-\\\\-force\\\\-with\\\\-lease \\\\-u" &&
	grep -q "git push --force-with-lease -u" "$SRC/README.md" &&
	! grep -q "git push -u" "$SRC/README.md"
'

test_expect_success 'every command'"'"'s help fits 88 columns and lists what it parses' '
	for c in $("$PERFLOOP" help --commands); do
		"$PERFLOOP" help "$c" >h &&
		! awk "length > 88 { print; bad = 1 } END { exit !bad }" h &&
		"$PERFLOOP" help --complete "$c" | awk "/^--/ {print \$1}" >opts &&
		while read -r o; do
			grep -q -- "$o" h || die_test "help $c lacks $o" || return 1
		done <opts || return 1
	done
'

test_expect_success 'every command rejects a bad command line alike, before reading perfloop.ini' '
	mkdir -p noini && cd noini &&
	for c in $("$PERFLOOP" help --commands); do
		w=$c && test "$c" != baseline || w="baseline list" &&
		expect_exit 129 "$PERFLOOP" $w --no-such-option 2>err &&
		grep -q "^error: unknown option .--no-such-option.$" err &&
		grep -q "^usage: perfloop $w" err &&
		grep -q "^(see .perfloop help $c.)$" err || die_test "$c" || return 1
	done &&
	expect_exit 129 "$PERFLOOP" bench --runs 0 2>err &&
	grep -q "^error: --runs needs a whole number >= 1, not .0.$" err &&
	expect_exit 129 "$PERFLOOP" bench -n0 2>err && grep -q "runs needs a whole number" err &&
	expect_exit 129 "$PERFLOOP" bench --runs=x 2>err && grep -q "not .x.$" err &&
	expect_exit 129 "$PERFLOOP" bench --runs 2>err && grep -q "option .--runs. needs a value" err &&
	expect_exit 129 "$PERFLOOP" bench -n 2>err && grep -q "option .-n. needs a value" err &&
	expect_exit 129 "$PERFLOOP" bench -x 2>err && grep -q "unknown option .-x.$" err &&
	expect_exit 129 "$PERFLOOP" bench --json=1 2>err && grep -q "json. takes no value" err &&
	expect_exit 129 "$PERFLOOP" bench extra 2>err && grep -q "unexpected argument .extra." err &&
	expect_exit 129 "$PERFLOOP" bench --vs a --baseline b 2>err &&
	grep -q "^error: --vs and --baseline are alternatives$" err &&
	expect_exit 129 "$PERFLOOP" diff 1 2 3 2>err && grep -q "unexpected argument .3." err &&
	expect_exit 129 "$PERFLOOP" baseline 2>err && grep -q "^error: say .save. or .list.$" err &&
	grep -q "^   or: perfloop baseline list \[--json\]$" err &&
	expect_exit 129 "$PERFLOOP" baseline nope 2>err && grep -q "unknown subcommand .nope." err &&
	expect_exit 129 "$PERFLOOP" baseline list --artifact x 2>err &&
	grep -q "^usage: perfloop baseline list \[--json\]$" err &&
	expect_exit 129 "$PERFLOOP" profile --limit 3 2>err && grep -q "unknown option .--limit." err &&
	expect_exit 129 "$PERFLOOP" profile --list --limit 0 2>err &&
	grep -q "^usage: perfloop profile --list \[--limit N\] \[--json\]$" err
'

# the test runners, on scripts and binaries that only print what real ones do
fake_suite() {
	mkdir -p fake/t && cp "$SRC/t/run-e2e" "$SRC/t/run-all" fake/t/ &&
	printf "echo \"ok 1 - a\"; echo \"not ok 2 - b\"; echo \"ok 3 - c # SKIP no tool\"; exit 1\n" >fake/t/t9001-a.sh &&
	printf "echo \"1..0 # SKIP t9002: no chromium\"\n" >fake/t/t9002-b.sh &&
	printf "echo \"ok 1 - x\"; echo \"ok 2 - y\"\n" >fake/t/t9003-c.sh &&
	printf "echo \"Bail out! cannot set up\"; exit 1\n" >fake/t/t9004-d.sh &&
	printf "#!/bin/sh\necho \"fuzz: skipped: no libFuzzer\"\n" >fake/t/run-fuzz &&
	printf "#!/bin/sh\necho \"[  PASSED  ] 5 test(s).\"\n" >u1 &&
	printf "#!/bin/sh\necho \"[  PASSED  ] 3 test(s).\"\necho \"[  FAILED  ] 1 test(s), listed below:\"\necho \"[  FAILED  ] test_x\"\nexit 1\n" >u2 &&
	printf "#!/bin/sh\necho \"[ RUN      ] test_y\"\nexit 139\n" >u3 &&
	chmod +x fake/t/run-fuzz u1 u2 u3
}

test_expect_success 'the end-to-end runner ends with the total of test cases' '
	fake_suite &&
	(export PERFLOOP_BUILD=/nonexistent; expect_exit 1 fake/t/run-e2e) >out &&
	test "$(tail -1 out)" = "3 passed, 2 failed, 2 skipped" &&
	grep -q "^FAILED: t9001-a.sh t9004-d.sh$" out && grep -q "^skipped: t9002: no chromium$" out &&
	PERFLOOP_BUILD=/nonexistent fake/t/run-e2e t9003-c.sh >out &&
	test "$(tail -1 out)" = "2 passed, 0 failed"
'

test_expect_success 'make test'"'"'s runner totals unit, end-to-end and fuzz cases last' '
	(export PERFLOOP_BUILD=/nonexistent; expect_exit 1 fake/t/run-all ./u1 ./u2 ./u3) >out &&
	test "$(tail -1 out)" = "11 passed, 4 failed, 3 skipped" &&
	grep -q "^FAILED: ./u2 ./u3 end-to-end$" out &&
	PERFLOOP_BUILD=/nonexistent fake/t/run-all --unit-only ./u1 >out &&
	test "$(tail -1 out)" = "5 passed, 0 failed" &&
	(export PERFLOOP_BUILD=/nonexistent; expect_exit 1 fake/t/run-all --unit-only ./u1 ./u3) >out &&
	test "$(tail -1 out)" = "5 passed, 1 failed"
'

# t/lint on a copy of the tree: clean as it is, then one breach at a time
lint_copy() {
	rm -rf lint && mkdir lint && cp -r "$SRC/t" "$SRC/src" lint/
}

test_expect_success 'the test tree passes its lint' '
	lint_copy && "$SRC/t/lint" lint 2>err && test ! -s err
'

test_expect_success 'the lint fails on a duplicate test number' '
	lint_copy && cp lint/t/t1000-bench.sh lint/t/t1000-again.sh &&
	expect_exit 1 "$SRC/t/lint" lint 2>err &&
	grep_q "^t/lint: duplicate test number t1000: t1000-again.sh t1000-bench.sh$" err
'

test_expect_success 'the lint fails on a family t/README does not list' '
	lint_copy && cp lint/t/t1000-bench.sh lint/t/t9000-nowhere.sh &&
	expect_exit 1 "$SRC/t/lint" lint 2>err &&
	grep_q "^t/lint: t/t9000-nowhere.sh: family 9 is not in t/README" err
'

test_expect_success 'the lint fails on a script that is not executable or lacks lib.sh' '
	lint_copy && chmod -x lint/t/t1000-bench.sh &&
	printf "#!/bin/bash\necho ok 1 - x\n" >lint/t/t1900-bare.sh && chmod +x lint/t/t1900-bare.sh &&
	printf "#!/bin/bash\n" >lint/t/t1901-Bad_Name.sh &&
	expect_exit 1 "$SRC/t/lint" lint 2>err &&
	grep_q "^t/lint: t/t1000-bench.sh: not executable" err &&
	grep_q "^t/lint: t/t1900-bare.sh: does not source t/lib.sh$" err &&
	grep_q "^t/lint: t/t1901-Bad_Name.sh: not named tNNNN-name.sh" err
'

test_expect_success 'the lint fails on a unit test named after no module' '
	lint_copy && mv lint/t/unit/test-loop.c lint/t/unit/test-looping.c &&
	expect_exit 1 "$SRC/t/lint" lint 2>err &&
	grep_q "^t/lint: t/unit/test-looping.c: no module src/looping.c" err &&
	mv lint/src/loop.c lint/src/looping.c && "$SRC/t/lint" lint
'

test_done
