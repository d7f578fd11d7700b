/*
 * test-perfdata.c: the perf.data reader and the replay in machine.c and hists.c on
 * synthetic files (t/helper/pdwriter.h): both byte orders, compressed and pipe
 * files read the same; header features; timestamp order, fork, comm and
 * period weighting as perf report does them; every truncation and a sweep of
 * corruptions fail cleanly; a plain file read twice (side-band records, then
 * the samples in groups) gives what reading it once gives, errors included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "perf/hists.h"
#include "perf/perfdata.h"
#include "../helper/pdwriter.h"

/* A small profile: two processes (one forked), three DSOs, comm change, a late mmap. */
static void build(struct pdw *w, int be, int callchains)
{
	static const uint64_t chain[] = {(uint64_t)-512, 0x401010, 0x402020, 0x401500};
	pdw_init(w, be, callchains ? PDW_ST_CC : PDW_ST, 1);
	pdw_comm(w, 100, 100, "app", 1, 10);
	pdw_mmap2(w, 100, 0x400000, 0x10000, 0, "/usr/bin/app", 11);
	pdw_mmap2(w, 100, 0x7f0000000000, 0x20000, 0x1000, "/usr/lib/libfoo.so", 12);
	/* the sample at t=20 precedes the mmap at t=30 that replaces the mapping */
	pdw_mmap2(w, 100, 0x7f0000000000, 0x20000, 0, "/usr/lib/libbar.so", 30);
	pdw_sample(w, 100, 0x7f0000001234, 100, 100, 20, 1000, chain, callchains ? 4 : 0);
	pdw_sample(w, 100, 0x7f0000001234, 100, 100, 31, 1000, chain, callchains ? 4 : 0);
	pdw_finished_round(w);
	for (int i = 0; i < 6; i++)
		pdw_sample(w, 100, 0x401010, 100, 100, 40 + (uint64_t)i, 3000, chain,
			   callchains ? 4 : 0);
	pdw_sample(w, 100, 0x402020, 100, 101, 50, 2000, NULL, 0);
	pdw_fork(w, 200, 100, 200, 100, 60);
	pdw_sample(w, 100, 0x401010, 200, 200, 61, 1000, NULL, 0); /* parent's maps, comm "app" */
	pdw_comm(w, 200, 200, "child", 1, 62);
	pdw_sample(w, 100, 0x401010, 200, 200, 63, 1000, NULL, 0);
	pdw_sample(w, 100, 0x9999, 300, 300, 64, 1000, NULL, 0); /* no mapping at all */
	pdw_lost(w, 7, 65);
}

struct collected {
	int samples, mmaps, comms, forks;
	uint64_t ips[32], times[32], periods[32];
	uint32_t pids[32], tids[32];
	uint64_t chain_first[32];
	uint64_t lost;
	char files[8][64];
};

static int collect(void *data, const struct pd_event *ev)
{
	struct collected *c = data;
	switch (ev->type) {
	case PERF_RECORD_SAMPLE:
		if (c->samples < 32) {
			c->ips[c->samples] = ev->u.sample.ip;
			c->times[c->samples] = ev->time;
			c->periods[c->samples] = ev->u.sample.period;
			c->pids[c->samples] = ev->pid;
			c->tids[c->samples] = ev->tid;
			c->chain_first[c->samples] = 0;
		}
		c->samples++;
		break;
	case PERF_RECORD_MMAP2:
		if (c->mmaps < 8)
			snprintf(c->files[c->mmaps], sizeof(c->files[0]), "%s",
				 ev->u.mmap.filename);
		assert_true(ev->has_time);
		c->mmaps++;
		break;
	case PERF_RECORD_COMM:
		c->comms++;
		break;
	case PERF_RECORD_FORK:
		c->forks++;
		break;
	case PERF_RECORD_LOST:
		c->lost += ev->u.lost.lost;
		break;
	}
	return 0;
}

static void parse(const struct strbuf *file, struct collected *c, struct pd_file *f)
{
	struct strbuf err = STRBUF_INIT;
	memset(c, 0, sizeof(*c));
	assert_int_equal(pd_open_mem(f, file->buf, file->len, "test.data", &err), 0);
	assert_int_equal(pd_iterate(f, collect, c, &err), 0);
	strbuf_release(&err);
}

static void test_both_byte_orders(void **state)
{
	struct pdw le, be;
	struct strbuf fl = STRBUF_INIT, fb = STRBUF_INIT;
	struct collected cl, cb;
	struct pd_file pl, pb;
	char hex[41];
	(void)state;
	build(&le, 0, 1);
	build(&be, 1, 1);
	pdw_finish(&le, &fl, 0);
	pdw_finish(&be, &fb, 0);
	assert_int_equal(fl.len, fb.len);
	assert_memory_not_equal(fl.buf, fb.buf, fl.len);
	parse(&fl, &cl, &pl);
	parse(&fb, &cb, &pb);
	assert_int_equal(pl.swap, 0);
	assert_int_equal(pb.swap, 1);
	assert_int_equal(cl.samples, 12);
	assert_int_equal(cl.mmaps, 3);
	assert_int_equal(cl.comms, 2);
	assert_int_equal(cl.forks, 1);
	assert_int_equal(cl.lost, 7);
	assert_memory_equal(&cl, &cb, sizeof(cl));
	assert_int_equal(cl.ips[0], 0x7f0000001234ull);
	assert_int_equal(cl.times[0], 20);
	assert_int_equal(cl.periods[2], 3000);
	assert_int_equal(cl.tids[8], 101);
	assert_string_equal(cl.files[1], "/usr/lib/libfoo.so");
	/* attributes, bitfields included, and header features */
	for (int k = 0; k < 2; k++) {
		struct pd_file *f = k ? &pb : &pl;
		char *name = pd_attr_name(&f->attrs[0]);
		assert_int_equal(f->nr_attrs, 1);
		assert_int_equal(f->attrs[0].type, 1);
		assert_true(f->attrs[0].freq);
		assert_true(f->attrs[0].sample_id_all);
		assert_true(f->attrs[0].exclude_kernel);
		assert_false(f->attrs[0].exclude_user);
		assert_int_equal(f->attrs[0].sample_type, PDW_ST_CC);
		assert_string_equal(name, "cpu-clock:u");
		free(name);
		assert_string_equal(f->hostname, "testhost");
		assert_string_equal(f->cmdline, "perf record app");
		assert_int_equal(f->nr_cpus_avail, 4);
		assert_int_equal(f->nr_cpus_online, 2);
		assert_int_equal(f->nr_build_ids, 1);
		assert_string_equal(f->build_ids[0].filename, "/usr/bin/app");
		pd_build_id_hex(f->build_ids[0].id, f->build_ids[0].size, hex);
		assert_string_equal(hex, "deadbeef0102030405060708090a0b0c0d0e0f10");
		assert_int_equal(f->warn.len, 0);
	}
	pd_close(&pl);
	pd_close(&pb);
	pdw_release(&le);
	pdw_release(&be);
	strbuf_release(&fl);
	strbuf_release(&fb);
}

static const struct hist_row *row(const struct hist_event *e, const char *dso, uint64_t addr,
				  const char *comm)
{
	for (size_t i = 0; i < e->nr_rows; i++)
		if (!strcmp(e->rows[i].dso, dso) && e->rows[i].addr == addr &&
		    (!comm || (e->rows[i].comm && !strcmp(e->rows[i].comm, comm))))
			return &e->rows[i];
	return NULL;
}

static void report(const struct strbuf *file, enum hist_sort sort, struct hist_report *r)
{
	struct hist_opts o;
	struct strbuf err = STRBUF_INIT;
	memset(&o, 0, sizeof(o));
	o.sort = sort;
	o.no_symbols = 1;
	o.folded = 1;
	assert_int_equal(hists_build_mem(file->buf, file->len, "test.data", &o, r, &err), 0);
	strbuf_release(&err);
}

static void test_replay_like_perf(void **state)
{
	struct pdw w;
	struct strbuf f = STRBUF_INIT;
	struct hist_report r;
	const struct hist_event *e;
	const struct hist_row *x;
	(void)state;
	build(&w, 0, 1);
	pdw_finish(&w, &f, 0);
	report(&f, HIST_SORT_DSO_SYM, &r);
	assert_int_equal(r.nr_events, 1);
	e = &r.events[0];
	assert_string_equal(e->name, "cpu-clock:u");
	assert_int_equal(e->nr_samples, 12);
	assert_int_equal(e->total_period, 2 * 1000 + 6 * 3000 + 2000 + 3 * 1000);
	assert_int_equal(r.lost, 7);
	assert_true(r.has_callchains);
	/* t=20: libfoo (pgoff 0x1000), t=31: libbar replaced it (pgoff 0) */
	x = row(e, "libfoo.so", 0x1000 + 0x1234, NULL);
	assert_non_null(x);
	assert_int_equal(x->period, 1000);
	assert_string_equal(x->sym, "0x0000000000002234");
	assert_non_null(row(e, "libbar.so", 0x1234, NULL));
	/* period weighting: 6 x 3000 + the forked child's 2 x 1000 on app 0x1010 */
	x = row(e, "app", 0x1010, NULL);
	assert_non_null(x);
	assert_int_equal(x->samples, 8);
	assert_int_equal(x->period, 20000);
	assert_true(hist_percent(e, x) > 79.99 && hist_percent(e, x) < 80.01);
	assert_int_equal(e->rows[0].period, 20000); /* sorted by period */
	/* no mapping: [unknown], shown by address */
	x = row(e, "[unknown]", 0x9999, NULL);
	assert_non_null(x);
	assert_string_equal(x->sym, "0x0000000000009999");
	/* folded stacks: outermost first, comm in front */
	assert_true(r.nr_folded >= 1);
	assert_string_equal(r.folded[0].stack, "app;[app];[app];[app]");
	hists_release(&r);

	/* comm,dso,sym: the fork keeps "app" until the child's exec renames it */
	report(&f, HIST_SORT_COMM_DSO_SYM, &r);
	e = &r.events[0];
	x = row(e, "app", 0x1010, "app");
	assert_non_null(x);
	assert_int_equal(x->samples, 7);
	x = row(e, "app", 0x1010, "child");
	assert_non_null(x);
	assert_int_equal(x->samples, 1);
	/* thread 101 never had a COMM record: perf calls it ":101" */
	x = row(e, "app", 0x2020, "app");
	assert_null(x);
	assert_non_null(row(e, "app", 0x2020, ":101"));
	hists_release(&r);
	pdw_release(&w);
	strbuf_release(&f);
}

static void same_rows(const struct strbuf *a, const struct strbuf *b)
{
	struct hist_report ra, rb;
	report(a, HIST_SORT_COMM_DSO_SYM, &ra);
	report(b, HIST_SORT_COMM_DSO_SYM, &rb);
	assert_int_equal(ra.nr_events, rb.nr_events);
	for (size_t i = 0; i < ra.nr_events; i++) {
		assert_int_equal(ra.events[i].nr_rows, rb.events[i].nr_rows);
		assert_int_equal(ra.events[i].total_period, rb.events[i].total_period);
		for (size_t j = 0; j < ra.events[i].nr_rows; j++) {
			assert_string_equal(ra.events[i].rows[j].dso, rb.events[i].rows[j].dso);
			assert_string_equal(ra.events[i].rows[j].sym, rb.events[i].rows[j].sym);
			assert_string_equal(ra.events[i].rows[j].comm, rb.events[i].rows[j].comm);
			assert_int_equal(ra.events[i].rows[j].period, rb.events[i].rows[j].period);
		}
	}
	hists_release(&ra);
	hists_release(&rb);
}

static void test_compressed_and_pipe(void **state)
{
	struct pdw w, z;
	struct strbuf plain = STRBUF_INIT, comp = STRBUF_INIT, pipe = STRBUF_INIT;
	struct pd_file f;
	struct collected c;
	(void)state;
	build(&w, 0, 1);
	pdw_finish(&w, &plain, 0);
	/* chunks that split records across compressed records */
	build(&z, 1, 1);
	pdw_compress(&z, 37);
	pdw_finish(&z, &comp, 1);
	parse(&comp, &c, &f);
	assert_true(f.compressed);
	assert_int_equal(c.samples, 12);
	pd_close(&f);
	same_rows(&plain, &comp);
	pdw_finish_pipe(&w, &pipe);
	parse(&pipe, &c, &f);
	assert_true(f.pipe);
	assert_int_equal(c.samples, 12);
	assert_string_equal(f.hostname, "testhost");
	assert_int_equal(f.nr_build_ids, 1);
	pd_close(&f);
	same_rows(&plain, &pipe);
	/* big-endian pipe files too (perf 6.1 itself cannot read those) */
	strbuf_reset(&pipe);
	pdw_release(&z);
	build(&z, 1, 1);
	pdw_finish_pipe(&z, &pipe);
	parse(&pipe, &c, &f);
	assert_true(f.pipe && f.swap);
	assert_int_equal(c.samples, 12);
	assert_int_equal(f.nr_cpus_online, 2);
	pd_close(&f);
	same_rows(&plain, &pipe);
	pdw_release(&w);
	pdw_release(&z);
	strbuf_release(&plain);
	strbuf_release(&comp);
	strbuf_release(&pipe);
}

static void test_two_events(void **state)
{
	struct pdw w;
	struct strbuf f = STRBUF_INIT;
	struct hist_report r;
	(void)state;
	pdw_init(&w, 0, PDW_ST, 2);
	pdw_mmap2(&w, 1, 0x1000, 0x1000, 0, "/bin/x", 1);
	pdw_sample(&w, 100, 0x1100, 1, 1, 2, 10, NULL, 0);
	pdw_sample(&w, 200, 0x1200, 1, 1, 3, 20, NULL, 0);
	pdw_sample(&w, 200, 0x1300, 1, 1, 4, 20, NULL, 0);
	pdw_sample(&w, 999, 0x1300, 1, 1, 5, 20, NULL, 0); /* unknown id */
	pdw_finish(&w, &f, 0);
	report(&f, HIST_SORT_DSO_SYM, &r);
	assert_int_equal(r.nr_events, 2);
	assert_string_equal(r.events[0].name, "cpu-clock:u");
	assert_string_equal(r.events[1].name, "task-clock:u");
	assert_int_equal(r.events[0].nr_samples, 1);
	assert_int_equal(r.events[1].nr_samples, 2);
	assert_int_equal(r.events[1].total_period, 40);
	assert_int_equal(r.unknown_id, 1);
	hists_release(&r);
	pdw_release(&w);
	strbuf_release(&f);
}

/*
 * One outcome of hists_build_mem as text: the error, or the warnings, lost
 * and unknown counts and every row (comm, dso, sym, level, samples, period).
 * With `folded` the samples are kept (pass 1 reads them): the file is read
 * once, else a plain file is read twice.
 */
static void outcome(const char *buf, size_t len, enum hist_sort sort, int folded,
		    struct strbuf *out)
{
	struct hist_report r;
	struct hist_opts o;
	struct strbuf err = STRBUF_INIT;
	memset(&o, 0, sizeof(o));
	o.sort = sort;
	o.no_symbols = 1;
	o.folded = folded;
	strbuf_reset(out);
	if (hists_build_mem(buf, len, "t.data", &o, &r, &err)) {
		strbuf_addf(out, "error: %s\n", err.buf);
	} else {
		strbuf_addf(out, "%s|lost %llu|unknown %llu\n", r.warn.buf,
			    (unsigned long long)r.lost, (unsigned long long)r.unknown_id);
		for (size_t i = 0; i < r.nr_events; i++)
			for (size_t j = 0; j < r.events[i].nr_rows; j++) {
				const struct hist_row *x = &r.events[i].rows[j];
				strbuf_addf(out, "%zu %s %s %s %c %llu %llu\n", i,
					    x->comm ? x->comm : "-", x->dso, x->sym, x->level,
					    (unsigned long long)x->samples,
					    (unsigned long long)x->period);
			}
	}
	hists_release(&r);
	strbuf_release(&err);
}

/*
 * Overwrite each byte of f with a few values in turn, calling check on the
 * file each time; f is as it was afterwards.
 */
static void corrupt_each_byte(struct strbuf *f, void (*check)(const struct strbuf *f, void *data),
			      void *data)
{
	static const unsigned char vals[] = {0x00, 0xff, 0x07, 0x80};
	for (size_t i = 0; i < f->len; i++) {
		unsigned char keep = (unsigned char)f->buf[i];
		for (size_t k = 0; k < ARRAY_SIZE(vals); k++) {
			f->buf[i] = (char)vals[k];
			check(f, data);
		}
		f->buf[i] = (char)keep;
	}
}

static void same_outcome(const char *buf, size_t len, enum hist_sort sort)
{
	struct strbuf once = STRBUF_INIT, twice = STRBUF_INIT;
	outcome(buf, len, sort, 1, &once);
	outcome(buf, len, sort, 0, &twice);
	assert_string_equal(twice.buf, once.buf);
	strbuf_release(&once);
	strbuf_release(&twice);
}

static void same_outcome_full(const struct strbuf *f, void *data)
{
	(void)data;
	same_outcome(f->buf, f->len, HIST_SORT_COMM_DSO_SYM);
}

/*
 * Samples grouped by side-band epoch: the profile has a sample written
 * before an mmap that is older than it, a fork, a comm change, an unmapped
 * address, a thread never named. Every prefix and a sweep of corruptions of
 * the plain file give the outcome (rows or error) of reading it once.
 */
static void test_read_twice_like_once(void **state)
{
	struct pdw w;
	struct strbuf f = STRBUF_INIT, a = STRBUF_INIT;
	(void)state;
	build(&w, 0, 0);
	pdw_finish(&w, &f, 0);
	outcome(f.buf, f.len, HIST_SORT_COMM_DSO_SYM, 0, &a);
	assert_non_null(strstr(a.buf, "0 app app 0x0000000000001010 . 7 19000\n"));
	assert_non_null(strstr(a.buf, "0 child app 0x0000000000001010 . 1 1000\n"));
	assert_non_null(strstr(a.buf, "0 :101 app 0x0000000000002020 . 1 2000\n"));
	for (int sort = HIST_SORT_SYM; sort <= HIST_SORT_COMM_DSO_SYM; sort++)
		same_outcome(f.buf, f.len, (enum hist_sort)sort);
	for (size_t n = 0; n < f.len; n++)
		same_outcome(f.buf, n, HIST_SORT_DSO_SYM);
	corrupt_each_byte(&f, same_outcome_full, NULL);
	pdw_release(&w);
	strbuf_release(&f);
	strbuf_release(&a);
}

struct first_and_last {
	size_t chain_nr; /* offset of the first sample's callchain length */
	size_t last;	 /* offset of the last record */
	const char *base;
};

static int find_records(void *data, const struct pd_event *ev)
{
	struct first_and_last *fl = data;
	if (ev->type == PERF_RECORD_SAMPLE && !fl->chain_nr)
		fl->chain_nr = (size_t)((const char *)ev->u.sample.callchain - fl->base) - 8;
	fl->last = (size_t)((const char *)ev->raw - fl->base);
	return 0;
}

/*
 * A bad sample before a bad side-band record: the error is the sample's,
 * as reading the file once meets it first (the side-band pass skips it).
 */
static void test_read_twice_first_error(void **state)
{
	struct pdw w;
	struct strbuf f = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	struct first_and_last fl = {0, 0, NULL};
	struct pd_file pf;
	uint64_t huge = 1u << 20;
	uint16_t tiny = 7;
	(void)state;
	build(&w, 0, 1);
	pdw_finish(&w, &f, 0);
	fl.base = f.buf;
	assert_int_equal(pd_open_mem(&pf, f.buf, f.len, "t.data", &err), 0);
	assert_int_equal(pd_iterate(&pf, find_records, &fl, &err), 0);
	pd_close(&pf);
	assert_true(fl.chain_nr && fl.last > fl.chain_nr);
	memcpy(f.buf + fl.chain_nr, &huge, 8);
	memcpy(f.buf + fl.last + 6, &tiny, 2);
	outcome(f.buf, f.len, HIST_SORT_DSO_SYM, 0, &out);
	assert_non_null(strstr(out.buf, "callchain longer than the record"));
	same_outcome(f.buf, f.len, HIST_SORT_DSO_SYM);
	pdw_release(&w);
	strbuf_release(&f);
	strbuf_release(&out);
	strbuf_release(&err);
}

/*
 * Rows not shown (below name_limit) are sorted without their names: by
 * period and samples (largest first), then shared object, address, comm.
 */
static void test_hidden_rows_order(void **state)
{
	struct pdw w;
	struct strbuf f = STRBUF_INIT, err = STRBUF_INIT;
	struct hist_report r, all;
	struct hist_opts o;
	(void)state;
	pdw_init(&w, 0, PDW_ST, 1);
	pdw_comm(&w, 1, 1, "one", 1, 1);
	pdw_comm(&w, 2, 2, "two", 1, 1);
	pdw_mmap2(&w, 1, 0x1000, 0x1000, 0, "/bin/zz", 2);
	pdw_mmap2(&w, 1, 0x2000, 0x1000, 0, "/bin/aa", 2);
	pdw_mmap2(&w, 2, 0x1000, 0x1000, 0, "/bin/zz", 2);
	pdw_mmap2(&w, 2, 0x2000, 0x1000, 0, "/bin/aa", 2);
	/* equal weights on both DSOs, both comms, several addresses */
	for (uint64_t i = 0; i < 48; i++)
		pdw_sample(&w, 100, (i % 2 ? 0x1000 : 0x2000) + 0x10 * (i % 5), 1 + (i / 3) % 2,
			   1 + (i / 3) % 2, 10 + i, 100 * (1 + i % 3), NULL, 0);
	/* rows equal but for their comm, the second comm first */
	pdw_sample(&w, 100, 0x1100, 2, 2, 60, 7, NULL, 0);
	pdw_sample(&w, 100, 0x1100, 1, 1, 61, 7, NULL, 0);
	pdw_finish(&w, &f, 0);
	memset(&o, 0, sizeof(o));
	o.sort = HIST_SORT_COMM_DSO_SYM;
	o.no_symbols = 1;
	assert_int_equal(hists_build_mem(f.buf, f.len, "t.data", &o, &all, &err), 0);
	o.name_limit = 101; /* none shown */
	o.hidden_sorted = 1;
	assert_int_equal(hists_build_mem(f.buf, f.len, "t.data", &o, &r, &err), 0);
	assert_int_equal(r.events[0].nr_rows, all.events[0].nr_rows);
	assert_true(r.events[0].nr_rows > 10);
	for (size_t i = 0; i < r.events[0].nr_rows; i++) {
		const struct hist_row *x = &r.events[0].rows[i], *y = &all.events[0].rows[i];
		/* all rows shown: sorted by name too; names here are addresses */
		assert_string_equal(x->dso, y->dso);
		assert_string_equal(x->comm, y->comm);
		assert_int_equal(x->addr, y->addr);
		assert_int_equal(x->period, y->period);
		if (i) {
			const struct hist_row *p = x - 1;
			assert_true(
			    p->period > x->period ||
			    (p->period == x->period &&
			     (p->samples > x->samples ||
			      (p->samples == x->samples &&
			       (strcmp(p->dso, x->dso) < 0 ||
				(!strcmp(p->dso, x->dso) &&
				 (p->addr < x->addr ||
				  (p->addr == x->addr && strcmp(p->comm, x->comm) < 0))))))));
		}
	}
	hists_release(&r);
	hists_release(&all);
	pdw_release(&w);
	strbuf_release(&f);
	strbuf_release(&err);
}

/* Every prefix of a file fails cleanly (or reads what is there); none crashes. */
static void test_truncation(void **state)
{
	struct pdw w;
	struct strbuf f = STRBUF_INIT, err = STRBUF_INIT;
	uint64_t data_off, data_end;
	(void)state;
	build(&w, 0, 1);
	pdw_finish(&w, &f, 0);
	memcpy(&data_off, f.buf + 40, 8);
	memcpy(&data_end, f.buf + 48, 8);
	data_end += data_off;
	for (size_t n = 0; n < f.len; n++) {
		struct hist_report r;
		struct hist_opts o;
		int ret;
		memset(&o, 0, sizeof(o));
		o.no_symbols = 1;
		strbuf_reset(&err);
		ret = hists_build_mem(f.buf, n, "cut.data", &o, &r, &err);
		if (n < data_end) {
			assert_int_equal(ret, -1);
			assert_non_null(strstr(err.buf, "cut.data"));
			assert_null(strchr(err.buf, '\n'));
			if (n >= 104)
				assert_non_null(strstr(err.buf, "at byte "));
		}
		hists_release(&r);
	}
	pdw_release(&w);
	strbuf_release(&f);
	strbuf_release(&err);
}

/* A damaged file reads, or is refused in one line: never a crash or a loop. */
static void read_without_crash(const struct strbuf *f, void *data)
{
	struct strbuf *err = data;
	struct hist_report r;
	struct hist_opts o;
	memset(&o, 0, sizeof(o));
	o.no_symbols = 1;
	o.folded = 1;
	strbuf_reset(err);
	if (hists_build_mem(f->buf, f->len, "bad.data", &o, &r, err))
		assert_null(strchr(err->buf, '\n'));
	hists_release(&r);
}

/* Overwrite each byte with a few values; reading must never crash or loop. */
static void test_corruption_sweep(void **state)
{
	struct pdw w;
	struct strbuf f = STRBUF_INIT, err = STRBUF_INIT;
	(void)state;
	build(&w, 1, 1);
	pdw_compress(&w, 64);
	pdw_finish(&w, &f, 1);
	corrupt_each_byte(&f, read_without_crash, &err);
	pdw_release(&w);
	strbuf_release(&f);
	strbuf_release(&err);
}

static void test_refusals(void **state)
{
	struct pd_file f;
	struct strbuf err = STRBUF_INIT;
	static const char v1[] = "PERFFILE\0\0\0\0\0\0\0\0";
	(void)state;
	assert_int_equal(pd_open_mem(&f, "hello world, not perf", 21, "x", &err), -1);
	assert_non_null(strstr(err.buf, "not a perf.data file"));
	pd_close(&f);
	strbuf_reset(&err);
	assert_int_equal(pd_open_mem(&f, v1, 16, "old", &err), -1);
	assert_non_null(strstr(err.buf, "version 1"));
	pd_close(&f);
	strbuf_reset(&err);
	assert_int_equal(pd_open(&f, "/nonexistent/perf.data", &err), -1);
	assert_non_null(strstr(err.buf, "cannot open"));
	pd_close(&f);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_both_byte_orders),
	    cmocka_unit_test(test_replay_like_perf),
	    cmocka_unit_test(test_compressed_and_pipe),
	    cmocka_unit_test(test_two_events),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_read_twice_like_once),
	    cmocka_unit_test(test_read_twice_first_error),
	    cmocka_unit_test(test_hidden_rows_order),
	    cmocka_unit_test(test_corruption_sweep),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
