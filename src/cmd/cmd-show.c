/*
 * cmd-show.c: `perfloop show ID`, one bench with all of its runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "metric.h"
#include "banned.h"

/* [offset, length] of a run's bytes in a log. */
static json_t *range_json(int64_t off, int64_t len)
{
	json_t *a = json_array();
	json_array_append_new(a, json_integer(off));
	json_array_append_new(a, json_integer(len));
	return a;
}

/* The runs of a bench as JSON objects, in order. */
/* The runs as JSON, each with its counters, instructions and harness metrics from mets. */
static json_t *runs_json(const struct bench_run_row *rows, size_t nr, json_t *mets)
{
	json_t *runs = json_array();
	for (size_t i = 0; i < nr; i++) {
		const struct bench_run_row *x = &rows[i];
		json_t *r = json_object();
		json_object_set_new(r, "seq", json_integer(x->seq));
		json_object_set_new(r, "side", json_string(x->side));
		json_object_set_new(r, "pair", json_integer(x->pair));
		json_object_set_new(r, "warmup", json_boolean(x->warmup));
		json_object_set_new(r, "wall", json_real(x->wall));
		json_object_set_new(r, "user", json_real(x->user));
		json_object_set_new(r, "sys", json_real(x->sys));
		json_object_set_new(r, "max_rss_kb", json_integer(x->max_rss_kb));
		json_object_set_new(r, "status", json_integer(x->status));
		json_object_set_new(r, "log_out", json_string(x->log_out));
		json_object_set_new(r, "log_err", json_string(x->log_err));
		json_object_set_new(r, "started", json_real(x->started));
		json_object_set_new(r, "out_range", range_json(x->out_off, x->out_len));
		json_object_set_new(r, "err_range", range_json(x->err_off, x->err_len));
		json_object_set_new(r, "tool", x->tool ? json_string(x->tool) : json_null());
		{
			char seq[24];
			json_t *m;
			snprintf(seq, sizeof(seq), "%d", x->seq);
			m = json_object_get(mets, seq);
			json_object_set_new(r, "metrics", m ? json_incref(m) : json_object());
		}
		json_array_append_new(runs, r);
	}
	return runs;
}

/*
 * Print one run's slice of a log file byte for byte, whatever its size or
 * content (NUL bytes included), then a newline when it lacks one. Dies when
 * the log cannot be read or ends before the slice does, after what there is.
 */
static void print_slice(const char *what, const char *path, json_t *range)
{
	long off = (long)json_integer_value(json_array_get(range, 0));
	long len = (long)json_integer_value(json_array_get(range, 1)), got = 0;
	char buf[65536];
	int fd, last = '\n';
	printf("--- %s (%s, bytes %ld-%ld)\n", what, path, off, off + len);
	if (len <= 0) {
		printf("(empty)\n");
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || lseek(fd, off, SEEK_SET) < 0)
		die("cannot read the run's %s in '%s': %s", what, path, strerror(errno));
	while (got < len) {
		size_t want = (size_t)(len - got) < sizeof(buf) ? (size_t)(len - got) : sizeof(buf);
		ssize_t n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("cannot read the run's %s in '%s': %s", what, path, strerror(errno));
		if (n == 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		last = buf[n - 1];
		got += n;
	}
	close(fd);
	if (last != '\n')
		putchar('\n');
	if (got < len)
		die("'%s' ends after %ld of the run's %ld bytes of %s: the log was cut or replaced",
		    path, got, len, what);
}

static int cmd_show(const struct cmd_args *a, struct project *c)
{
	long run = args_int(a, "run", 0);
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	struct bench_run_row *rows;
	char *result, *status, *message;
	json_t *doc = NULL, *runs, *mets = NULL;
	size_t nr;
	int json = args_has(a, "json"), rc;
	long id;

	if (!a->argc)
		return usage_error(a, "which bench? give its id (see 'perfloop log')");
	if (args_parse_int(a, "ID", a->argv[0], 1, &id))
		return EXIT_USAGE;
	if (!(l = project_ledger(c, &err)))
		die("%s", err.buf);

	rc = bench_load(l, (int64_t)id, &result, &status, &message, &err);
	if (rc < 0)
		die("%s", err.buf);
	if (rc && result)
		doc = json_loads(result, 0, NULL);
	if (rc && !doc) {
		/* still running, or perfloop died mid-bench: show what the runs say */
		doc = json_object();
		json_object_set_new(doc, "id", json_integer(id));
		json_object_set_new(doc, "status", json_string(status));
		if (message)
			json_object_set_new(doc, "message", json_string(message));
	}
	free(result);
	free(status);
	free(message);
	if (!rc)
		die("no bench %ld in the ledger (see 'perfloop log')", id);

	/* every run's counters, instructions and harness metrics */
	if (bench_run_metrics_json(l, id, &mets, &err) ||
	    bench_load_runs(l, (int64_t)id, &rows, &nr, &err))
		die("%s", err.buf);
	runs = runs_json(rows, nr, mets);
	bench_run_rows_free(rows, nr);

	if (run) {
		json_t *r = json_array_get(runs, (size_t)run - 1);
		if (!r)
			die("bench %ld has no run %ld (it has %zu)", id, run, json_array_size(runs));
		print_slice("stdout", json_string_value(json_object_get(r, "log_out")),
			    json_object_get(r, "out_range"));
		print_slice("stderr", json_string_value(json_object_get(r, "log_err")),
			    json_object_get(r, "err_range"));
	} else if (json) {
		json_object_set(doc, "runs", runs);
		print_json(doc);
	} else {
		json_t *r;
		size_t i;
		if (json_object_get(doc, "candidate"))
			print_bench_doc(doc);
		else
			printf("bench %ld: %s, no result recorded%s%s\n", id,
			       json_string_value(json_object_get(doc, "status")),
			       json_object_get(doc, "message") ? " — " : "",
			       json_object_get(doc, "message")
				       ? json_string_value(json_object_get(doc, "message"))
				       : "");
		/* the verdict's metric per run when it is not a time; valgrind's times marked */
		const struct metric *vm = metric_of_doc(doc);
		int extra = vm->kind != METRIC_TIME;
		printf("\n%4s %4s %9s %9s %9s %9s %10s %5s", "run", "side", "pair", "wall", "user",
		       "sys", "max RSS", "exit");
		if (extra)
			printf(" %14s", vm->name);
		printf("\n");
		json_array_foreach(runs, i, r) {
			char w[32], u[32], s[32], m[32], pair[16], val[32];
			json_t *x = json_object_get(json_object_get(r, "metrics"), vm->name);
			int vg = json_is_string(json_object_get(r, "tool"));
			if (json_is_true(json_object_get(r, "warmup")))
				snprintf(pair, sizeof(pair), "warmup");
			else
				snprintf(pair, sizeof(pair), "%lld%s",
					 (long long)json_integer_value(json_object_get(r, "pair")),
					 vg ? " vg" : "");
			printf("%4lld %4s %9s %9s %9s %9s %10s %5lld",
			       (long long)json_integer_value(json_object_get(r, "seq")),
			       json_string_value(json_object_get(r, "side")), pair,
			       fmt_secs(w, sizeof(w), json_real_value(json_object_get(r, "wall"))),
			       fmt_secs(u, sizeof(u), json_real_value(json_object_get(r, "user"))),
			       fmt_secs(s, sizeof(s), json_real_value(json_object_get(r, "sys"))),
			       fmt_kb(m, sizeof(m),
				      (double)json_integer_value(json_object_get(r, "max_rss_kb"))),
			       (long long)json_integer_value(json_object_get(r, "status")));
			if (extra)
				printf(" %14s", metric_format(vm, json_is_number(x)
									 ? json_number_value(x)
									 : NAN,
							      val, sizeof(val)));
			printf("\n");
		}
		if (json_array_size(runs) && json_is_object(doc) &&
		    json_object_get(json_object_get(doc, "candidate"), "valgrind"))
			printf("vg: ran under valgrind, its wall, user and sys are valgrind's\n");
		if (json_array_size(runs))
			printf("logs: %s, %s (one run's output: perfloop show %ld --run N)\n",
			       json_string_value(json_object_get(json_array_get(runs, 0), "log_out")),
			       json_string_value(json_object_get(json_array_get(runs, 0), "log_err")),
			       id);
	}
	json_decref(runs);
	json_decref(mets);
	json_decref(doc);
	strbuf_release(&err);
	return 0;
}

static const struct cmd_option show_options[] = {
	{ .name = "run", .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "print run N's stdout and stderr instead" },
	{ .name = "json", .help = "the bench's JSON document with a \"runs\" array (each with "
				   "\"tool\" and \"metrics\": its counters, instructions and harness "
				   "metrics)" },
	{ 0 },
};

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.summary = "show one bench with every run",
	.args = "ID",
	.options = show_options,
	.help = "The bench's result table (as `perfloop bench` printed it) and one line per run:\n"
		"side, pair (`vg`: under valgrind), wall, user and system time, peak RSS, exit\n"
		"status and, when the verdict judges a count or a harness metric, its value. Each\n"
		"run's output is a byte range of the bench's stdout.log and stderr.log (listed in\n"
		"the ledger and in the index file beside them).\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_show,
};
