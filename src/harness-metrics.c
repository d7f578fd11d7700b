/*
 * harness-metrics.c: harness-reported metrics: [metrics] regexes over a run's
 * output, the $PERFLOOP_METRICS_FILE file, and their merge (see harness-metrics.h).
 */
#include "harness-metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "counters.h"
#include "banned.h"

static const char *const reserved_names[] = {"wall", "cpu", "user", "sys", "rss"};

static int is_reserved(const char *name)
{
	size_t i;
	int id;

	for (i = 0; i < ARRAY_SIZE(reserved_names); i++)
		if (!strcasecmp(name, reserved_names[i]))
			return 1;
	for (id = 0; id < COUNTER__N; id++)
		if (!strcasecmp(name, counter_name(id)))
			return 1;
	return 0;
}

int hmetric_name_check(const char *name, struct strbuf *err)
{
	size_t len = strlen(name), i;

	if (!len) {
		strbuf_addstr(err, "empty metric name");
		return -1;
	}
	if (len > HMETRIC_NAME_MAX) {
		strbuf_addf(err, "metric name '%.*s...' is longer than %d characters", 20, name,
			    HMETRIC_NAME_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-')
			continue;
		if (c >= 0x20 && c < 0x7f)
			strbuf_addf(err, "metric name '%s': '%c' is not allowed", name, c);
		else
			strbuf_addf(err, "metric name '%s': byte 0x%02x is not allowed", name, c);
		strbuf_addstr(err, " (use letters, digits, '_', '.' and '-')");
		return -1;
	}
	if (is_reserved(name)) {
		strbuf_addf(
		    err, "metric name '%s' is one of perfloop's own metrics; choose another", name);
		return -1;
	}
	return 0;
}

static const struct hmetric_rule *find_rule(const struct hmetric_rules *rules, const char *name)
{
	size_t i;

	for (i = 0; i < rules->nr; i++)
		if (!strcmp(rules->v[i].name, name))
			return &rules->v[i];
	return NULL;
}

int hmetric_rules_add(struct hmetric_rules *rules, const char *name, const char *regex,
		      struct strbuf *err)
{
	struct hmetric_rule *r;
	regex_t re;
	int rc;

	if (hmetric_name_check(name, err))
		return -1;
	if (find_rule(rules, name)) {
		strbuf_addf(err, "metric '%s' is defined twice", name);
		return -1;
	}
	rc = regcomp(&re, regex, REG_EXTENDED);
	if (rc) {
		char msg[256];

		regerror(rc, &re, msg, sizeof(msg));
		strbuf_addf(err, "metric '%s': bad regex '%s': %s", name, regex, msg);
		return -1;
	}
	if (re.re_nsub != 1) {
		strbuf_addf(err,
			    "metric '%s': the regex '%s' has %zu capture groups; it needs exactly "
			    "one, around the number",
			    name, regex, re.re_nsub);
		regfree(&re);
		return -1;
	}
	ALLOC_GROW(rules->v, rules->nr + 1, rules->alloc);
	r = &rules->v[rules->nr++];
	r->name = xstrdup(name);
	r->pattern = xstrdup(regex);
	r->re = re;
	return 0;
}

void hmetric_rules_release(struct hmetric_rules *rules)
{
	size_t i;

	for (i = 0; i < rules->nr; i++) {
		free(rules->v[i].name);
		free(rules->v[i].pattern);
		regfree(&rules->v[i].re);
	}
	free(rules->v);
	rules->v = NULL;
	rules->nr = rules->alloc = 0;
}

const struct hmetric_value *hmetric_set_get(const struct hmetric_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (!strcmp(set->v[i].name, name))
			return &set->v[i];
	return NULL;
}

void hmetric_set_put(struct hmetric_set *set, const char *name, double value, int line)
{
	struct hmetric_value *v = (struct hmetric_value *)hmetric_set_get(set, name);

	if (!v) {
		ALLOC_GROW(set->v, set->nr + 1, set->alloc);
		v = &set->v[set->nr++];
		v->name = xstrdup(name);
	}
	v->value = value;
	v->line = line;
}

void hmetric_set_release(struct hmetric_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		free(set->v[i].name);
	free(set->v);
	set->v = NULL;
	set->nr = set->alloc = 0;
	set->file_found = 0;
}

/*
 * A whole finite decimal number, blanks around it allowed. Hexadecimal,
 * "nan" and "inf", which strtod() would take, are refused.
 */
static int parse_number(const char *s, size_t len, double *out)
{
	char *buf, *end;
	double v;
	int ok;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len || memchr(s, 'x', len) || memchr(s, 'X', len))
		return -1;
	buf = xstrndup(s, len);
	v = strtod(buf, &end);
	ok = end != buf && !*end && isfinite(v);
	free(buf);
	if (!ok)
		return -1;
	*out = v;
	return 0;
}

/* Quote up to 60 bytes of text for a message, non-printable bytes as '?'. */
static void add_quoted(struct strbuf *sb, const char *s, size_t len)
{
	size_t i, n = len > 60 ? 60 : len;

	strbuf_addch(sb, '\'');
	for (i = 0; i < n; i++)
		strbuf_addch(sb, (unsigned char)s[i] >= 0x20 && s[i] != 0x7f ? s[i] : '?');
	strbuf_addstr(sb, len > n ? "...'" : "'");
}

/*
 * The last match of re in the NUL-terminated line: 1 with the group's
 * offsets (-1 when the group took no part), 0 when none.
 */
static int last_match(const regex_t *re, const char *line, size_t len, regoff_t *so, regoff_t *eo)
{
	regmatch_t m[2];
	size_t off = 0;
	int found = 0, flags = 0;

	while (off <= len && !regexec(re, line + off, 2, m, flags)) {
		found = 1;
		*so = m[1].rm_so < 0 ? -1 : (regoff_t)off + m[1].rm_so;
		*eo = m[1].rm_so < 0 ? -1 : (regoff_t)off + m[1].rm_eo;
		/* go on after this match; an empty one moves a byte */
		off += m[0].rm_eo > 0 ? (size_t)m[0].rm_eo : 1;
		flags = REG_NOTBOL;
	}
	return found;
}

int hmetric_extract(const struct hmetric_rule *rule, const char *out, size_t len, double *value,
		    struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT;
	size_t end = len;
	int ret = 0;

	/* lines from the last one backwards: the first that matches is the last */
	for (;;) {
		size_t start = end, n;
		regoff_t so = -1, eo = -1;

		while (start > 0 && out[start - 1] != '\n' && out[start - 1] != '\0')
			start--;
		n = end - start;
		if (n && out[start + n - 1] == '\r')
			n--;
		strbuf_reset(&line);
		strbuf_add(&line, out + start, n);
		if (last_match(&rule->re, line.buf, line.len, &so, &eo)) {
			if (so < 0 || parse_number(line.buf + so, (size_t)(eo - so), value)) {
				strbuf_addf(err, "metric '%s': the last match of its regex ",
					    rule->name);
				if (so < 0) {
					strbuf_addstr(err, "captured nothing");
				} else {
					strbuf_addstr(err, "captured ");
					add_quoted(err, line.buf + so, (size_t)(eo - so));
					strbuf_addstr(err, ", which is not a number");
				}
				ret = -1;
			} else {
				ret = 1;
			}
			break;
		}
		if (!start)
			break;
		end = start - 1;
	}
	strbuf_release(&line);
	return ret;
}

int hmetrics_file_parse(const char *text, size_t len, struct hmetric_set *set, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	size_t pos = 0;
	int lineno = 0, ret = 0;

	while (pos < len && !ret) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, name_len, i;
		const struct hmetric_value *old;
		char *name;
		double v;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (memchr(line, '\0', n)) {
			strbuf_addf(err, "line %d: a NUL byte (not a text file?)", lineno);
			ret = -1;
			break;
		}
		while (n && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		if (!n || *line == '#')
			continue;
		for (name_len = 0; name_len < n; name_len++)
			if (line[name_len] == ' ' || line[name_len] == '\t')
				break;
		i = name_len;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == n || memchr(line + i, ' ', n - i) || memchr(line + i, '\t', n - i)) {
			strbuf_addf(err, "line %d: expected 'NAME VALUE', got ", lineno);
			add_quoted(err, line, n);
			ret = -1;
			break;
		}
		name = xstrndup(line, name_len);
		if (hmetric_name_check(name, &why)) {
			strbuf_addf(err, "line %d: %s", lineno, why.buf);
			ret = -1;
		} else if (parse_number(line + i, n - i, &v)) {
			strbuf_addf(err, "line %d: metric '%s': ", lineno, name);
			add_quoted(err, line + i, n - i);
			strbuf_addstr(err, " is not a number");
			ret = -1;
		} else if ((old = hmetric_set_get(set, name))) {
			strbuf_addf(err, "line %d: metric '%s' is already given", lineno, name);
			if (old->line)
				strbuf_addf(err, " on line %d", old->line);
			ret = -1;
		} else {
			hmetric_set_put(set, name, v, lineno);
		}
		free(name);
	}
	strbuf_release(&why);
	return ret;
}

int hmetrics_file_read(const char *path, struct hmetric_set *set, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT, why = STRBUF_INIT;
	long n = strbuf_read_file(&text, path, HMETRICS_FILE_MAX + 1);
	int ret = 1;

	if (n < 0) {
		if (errno == ENOENT) {
			ret = 0;
		} else {
			strbuf_addf(err, "cannot read the metrics file '%s': %s", path,
				    strerror(errno));
			ret = -1;
		}
	} else if ((size_t)n > HMETRICS_FILE_MAX) {
		strbuf_addf(err, "the metrics file '%s' is larger than %u KiB", path,
			    HMETRICS_FILE_MAX >> 10);
		ret = -1;
	} else if (hmetrics_file_parse(text.buf, text.len, set, &why)) {
		strbuf_addf(err, "metrics file '%s' %s", path, why.buf);
		ret = -1;
	} else {
		set->file_found = 1;
	}
	strbuf_release(&text);
	strbuf_release(&why);
	return ret;
}

int hmetrics_collect(const struct hmetric_rules *rules, const char *out, size_t len,
		     const char *file_path, struct hmetric_set *set, struct strbuf *err)
{
	size_t i;

	if (file_path && hmetrics_file_read(file_path, set, err) < 0)
		return -1;
	for (i = 0; i < rules->nr; i++) {
		const struct hmetric_rule *r = &rules->v[i];
		const struct hmetric_value *old;
		double v;
		int rc = hmetric_extract(r, out, len, &v, err);

		if (rc < 0)
			return -1;
		if (!rc)
			continue;
		old = hmetric_set_get(set, r->name);
		if (old) {
			strbuf_addf(err,
				    "metric '%s' is given both by the metrics file (line %d) and "
				    "by its [metrics] regex; rename one",
				    r->name, old->line);
			return -1;
		}
		hmetric_set_put(set, r->name, v, 0);
	}
	return 0;
}

const char *hmetrics_missing(const struct hmetric_set *set, const char *const *required)
{
	for (; required && *required; required++)
		if (!hmetric_set_get(set, *required))
			return *required;
	return NULL;
}

void hmetrics_missing_message(const struct hmetric_rules *rules, const struct hmetric_set *set,
			      const char *name, struct strbuf *err)
{
	const struct hmetric_rule *r = find_rule(rules, name);

	strbuf_addf(err, "metric '%s' was not reported: ", name);
	if (r)
		strbuf_addf(err, "its regex '%s' matched nothing in the run's output", r->pattern);
	else if (set->file_found)
		strbuf_addstr(err, "it is not in the metrics file ($" HMETRICS_FILE_ENV ")");
	else
		strbuf_addstr(
		    err, "the harness wrote no metrics file (its path is in $" HMETRICS_FILE_ENV
			 ") and no [metrics] regex defines it");
}
