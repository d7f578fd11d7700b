/*
 * cpuset.c: CPU lists, and the affinity and personality a child is spawned
 * with (set on perfloop's own thread around posix_spawn; see cpuset.h).
 */
#include "cpuset.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "banned.h"

/* One CPU number of an item; -1 with err naming the item when it is not one. */
static int parse_cpu(const char *s, size_t len, const char *list, const char *item, size_t item_len,
		     struct strbuf *err)
{
	unsigned long v = 0;
	size_t i;

	if (!len)
		goto bad;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			goto bad;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v >= CPU_SETSIZE) {
			strbuf_addf(err,
				    "cpu list '%s': '%.*s' is beyond the largest CPU number %d",
				    list, (int)item_len, item, CPU_SETSIZE - 1);
			return -1;
		}
	}
	return (int)v;
bad:
	strbuf_addf(err, "cpu list '%s': '%.*s' is not a CPU number or range", list, (int)item_len,
		    item);
	return -1;
}

int cpulist_parse(const char *s, cpu_set_t *set, struct strbuf *err)
{
	const char *p = s;

	CPU_ZERO(set);
	if (!s[strspn(s, " \t\n")]) {
		strbuf_addf(err, "cpu list '%s' is empty", s);
		return -1;
	}
	for (;;) {
		const char *item, *end, *dash;
		size_t len;
		int lo, hi, c;

		while (*p == ' ' || *p == '\t')
			p++;
		item = p;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - item);
		while (len && isspace((unsigned char)item[len - 1]))
			len--;
		if (!len) {
			strbuf_addf(err, "cpu list '%s': an empty item", s);
			return -1;
		}
		dash = memchr(item, '-', len);
		if (dash) {
			lo = parse_cpu(item, (size_t)(dash - item), s, item, len, err);
			if (lo < 0)
				return -1;
			hi =
			    parse_cpu(dash + 1, len - (size_t)(dash + 1 - item), s, item, len, err);
			if (hi < 0)
				return -1;
			if (hi < lo) {
				strbuf_addf(err, "cpu list '%s': range '%.*s' is reversed", s,
					    (int)len, item);
				return -1;
			}
		} else {
			lo = hi = parse_cpu(item, len, s, item, len, err);
			if (lo < 0)
				return -1;
		}
		for (c = lo; c <= hi; c++)
			CPU_SET(c, set);
		if (!*end)
			return 0;
		p = end + 1;
	}
}

void cpulist_format(const cpu_set_t *set, struct strbuf *out)
{
	int c = 0, first = 1;

	while (c < CPU_SETSIZE) {
		int lo;

		if (!CPU_ISSET(c, set)) {
			c++;
			continue;
		}
		lo = c;
		while (c + 1 < CPU_SETSIZE && CPU_ISSET(c + 1, set))
			c++;
		strbuf_addf(out, first ? "%d" : ",%d", lo);
		if (c > lo)
			strbuf_addf(out, "-%d", c);
		first = 0;
		c++;
	}
}

int cpus_online(const char *root, cpu_set_t *set, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, why = STRBUF_INIT;
	int ret = -1;

	strbuf_addf(&path, "%s/sys/devices/system/cpu/online",
		    root && strcmp(root, "/") ? root : "");
	if (strbuf_read_file(&text, path.buf, 4096) < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	strbuf_trim(&text);
	if (cpulist_parse(text.buf, set, &why) < 0) {
		strbuf_addf(err, "'%s': %s", path.buf, why.buf);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&why);
	return ret;
}

static int check_subset(const cpu_set_t *want, const cpu_set_t *have, const char *what,
			struct strbuf *err)
{
	int c;

	for (c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, want) && !CPU_ISSET(c, have)) {
			strbuf_addf(err, "cpu %d is not %s (%s cpus: ", c, what, what);
			cpulist_format(have, err);
			strbuf_addch(err, ')');
			return -1;
		}
	}
	return 0;
}

int cpulist_check(const cpu_set_t *want, const cpu_set_t *online, const cpu_set_t *allowed,
		  struct strbuf *err)
{
	if (!CPU_COUNT(want)) {
		strbuf_addstr(err, "the cpu list is empty");
		return -1;
	}
	if (check_subset(want, online, "online", err))
		return -1;
	if (allowed && check_subset(want, allowed, "allowed", err))
		return -1;
	return 0;
}

/* personality(2) with this value only reports the current persona. */
#define PERSONA_QUERY 0xffffffffUL

int spawn_persona_begin(struct spawn_persona *p, struct strbuf *err)
{
	p->persona_changed = p->affinity_changed = 0;
	if (p->no_aslr) {
		int cur = personality(PERSONA_QUERY);

		if (cur < 0) {
			strbuf_addf(err, "cannot read the process personality: %s",
				    strerror(errno));
			return -1;
		}
		p->saved_persona = (unsigned long)cur;
		if (!(p->saved_persona & ADDR_NO_RANDOMIZE)) {
			if (personality(p->saved_persona | ADDR_NO_RANDOMIZE) < 0) {
				strbuf_addf(err, "cannot turn off address randomization: %s",
					    strerror(errno));
				return -1;
			}
			p->persona_changed = 1;
		}
	}
	if (p->cpus) {
		if (sched_getaffinity(0, sizeof(p->saved_cpus), &p->saved_cpus) < 0) {
			strbuf_addf(err, "cannot read the cpu affinity: %s", strerror(errno));
			goto undo;
		}
		if (sched_setaffinity(0, sizeof(*p->cpus), p->cpus) < 0) {
			strbuf_addstr(err, "cannot pin to cpus ");
			cpulist_format(p->cpus, err);
			strbuf_addf(err, ": %s", strerror(errno));
			goto undo;
		}
		p->affinity_changed = 1;
	}
	return 0;
undo:
	if (p->persona_changed)
		personality(p->saved_persona);
	p->persona_changed = 0;
	return -1;
}

int spawn_persona_end(struct spawn_persona *p, struct strbuf *err)
{
	int ret = 0;

	if (p->affinity_changed &&
	    sched_setaffinity(0, sizeof(p->saved_cpus), &p->saved_cpus) < 0) {
		strbuf_addf(err, "cannot restore the cpu affinity: %s", strerror(errno));
		ret = -1;
	}
	if (p->persona_changed && personality(p->saved_persona) < 0 && !ret) {
		strbuf_addf(err, "cannot restore the process personality: %s", strerror(errno));
		ret = -1;
	}
	p->affinity_changed = p->persona_changed = 0;
	return ret;
}
