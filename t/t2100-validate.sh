#!/bin/bash
# perfloop validate on a tiny Cargo workspace layout (Cargo.toml files only,
# cargo is not needed): {crates} and {changed}, skips, the first failure.
. "$(dirname "$0")/lib.sh"

git init -q --bare origin.git
git clone -q origin.git work 2>/dev/null
(
	cd work &&
	printf '[workspace]\nmembers = ["crates/*"]\n' >Cargo.toml &&
	mkdir -p crates/rspack_core/src crates/rspack_util/src docs &&
	printf '[package]\nname = "rspack_core"\nversion = "0.1.0"\n' >crates/rspack_core/Cargo.toml &&
	printf '[package]\nname = "rspack_util"\n' >crates/rspack_util/Cargo.toml &&
	echo "pub fn a() {}" >crates/rspack_core/src/lib.rs &&
	echo "pub fn b() {}" >crates/rspack_util/src/lib.rs &&
	echo "# docs" >docs/README.md &&
	git add . && git commit -qm init && git push -q origin HEAD:main
) || { echo "Bail out! setup"; exit 1; }
cat >work/perfloop.ini <<INI
[project]
worktree = $TEST_DIR/wt
[validate]
command = echo CRATES {crates} END
command = echo CHANGED {changed} END
command = sh -c "exit \$(cat fail-code 2>/dev/null || echo 0)"
command = echo AFTER
INI
(cd work && "$PERFLOOP" start perf/v >/dev/null) || { echo "Bail out! start"; exit 1; }
V() { (cd "$TEST_DIR/wt" && "$PERFLOOP" validate); }
log() { cat "$(ls -t "$TEST_DIR"/wt/.perfloop/logs/validate-*.log | head -1)"; }

test_expect_success '{crates} names the packages owning the changed files' '
	echo "pub fn a2() {}" >>wt/crates/rspack_core/src/lib.rs &&
	echo "x" >wt/crates/rspack_util/src/new.rs &&
	V 2>err && log >log.txt &&
	grep -qx "CRATES -p rspack_core -p rspack_util END" log.txt &&
	grep -q "CHANGED .*crates/rspack_core/src/lib.rs" log.txt &&
	grep -q "crates/rspack_util/src/new.rs END" log.txt &&
	grep -qx "AFTER" log.txt && test $(grep -c "validate .*: ok" err) -eq 4
'

test_expect_success 'a command whose placeholder expands to nothing is skipped, and says so' '
	git -C wt checkout -q . && rm -f wt/crates/rspack_util/src/new.rs &&
	echo "more" >>wt/docs/README.md &&
	V 2>err && grep -q "skipped .echo CRATES {crates} END.: no Cargo package owns the changed files" err &&
	log >log.txt && ! grep -q CRATES log.txt && grep -q "CHANGED docs/README.md" log.txt
'

test_expect_success 'validate --json lists every step' '
	(cd wt && "$PERFLOOP" validate --json) >v.json 2>/dev/null &&
	json_get v.json "d[\"passed\"] and d[\"steps\"][0][\"skipped\"] and d[\"steps\"][1][\"status\"] == 0 and len(d[\"steps\"]) == 4" | grep -q True
'

test_expect_success 'validation stops at the first failure with its log tail' '
	echo 7 >wt/fail-code &&
	expect_exit 3 V 2>err &&
	grep -q "failed with exit status 7" err && grep -q "full log:" err &&
	log >log.txt && ! grep -qx AFTER log.txt &&
	rm wt/fail-code
'

# a second project whose path holds a double quote and a space
Q="$TEST_DIR/my \"proj\" dir"
quoted_project() {
	git clone -q origin.git "$Q" 2>/dev/null &&
	printf "[project]\nworktree = %s/wt-q\n[validate]\ncommand = test -f {changed}\n" \
		"$TEST_DIR" >"$Q/perfloop.ini" &&
	(cd "$Q" && "$PERFLOOP" start perf/q >/dev/null)
}

test_expect_success 'a project path with a quote and a space: start writes an include that reads back' '
	quoted_project &&
	grep -qF "path = \"$TEST_DIR/my \\\"proj\\\" dir/perfloop.ini\"" wt-q/perfloop.ini &&
	(cd wt-q && "$PERFLOOP" status) >st.out && grep -q "perf/q" st.out
'

test_expect_success '{changed} passes a file named ü.c as it is, not C-quoted' '
	echo "int x;" >"wt-q/ü.c" &&
	(cd wt-q && "$PERFLOOP" validate) 2>err &&
	grep -q "ok .test -f .ü.c.." err
'

test_expect_success '-c naming the project ini inside a loop worktree finds the loop' '
	(cd wt && "$PERFLOOP" -c ../work/perfloop.ini status) >st.out 2>err &&
	grep -q "perf/v" st.out &&
	(cd wt-q && "$PERFLOOP" -c "$Q/perfloop.ini" status --json) >st.json &&
	json_get st.json "d[\"branch\"]" | grep -qx perf/q &&
	(cd work && "$PERFLOOP" -c perfloop.ini log) >/dev/null
'

test_expect_success 'no [validate] commands: nothing to do, said' '
	printf "[core]\n" >empty.ini &&
	(cd wt && "$PERFLOOP" -c ../empty.ini validate) 2>err &&
	grep -q "no \[validate\] commands" err
'

test_done
