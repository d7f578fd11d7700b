/*
 * config.h: perfloop.ini, an INI file whose every key is declared in one
 * table (config.c) with its type, default and documentation. Unknown
 * sections and keys are errors naming file:line, so typos never pass.
 *
 * Syntax: "[section]" lines, "key = value" lines, comments starting with ';'
 * or '#' at the start of a line or after whitespace. A value in double quotes
 * keeps ';' and '#' ("\"" and "\\" escape). Relative paths are resolved
 * against the directory of the file that sets them. "[include] path = FILE"
 * reads another file first-come (its keys may be overridden after it).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include "strbuf.h"

enum cfg_type {
	CFG_STR,    /* any text */
	CFG_PATH,   /* path relative to the ini file's directory */
	CFG_WTPATH, /* path relative to the worktree (kept as written) */
	CFG_INT,    /* whole number >= 0 */
	CFG_COUNT,  /* whole number >= 1 */
	CFG_REAL,   /* number >= 0 */
	CFG_PCT,    /* fraction: "1%" or "0.01" */
	CFG_BOOL,   /* true/false/yes/no/on/off/1/0 */
	CFG_LIST,   /* may repeat; every value kept in order */
	CFG_ENVNAME, /* an environment variable's name: letters, digits, '_', no leading digit */
};

struct cfg_keydoc {
	const char *section;
	const char *key; /* "*" for free-form sections such as [env] */
	enum cfg_type type;
	const char *def; /* default as text, NULL when none */
	const char *doc;
};

/* The table of known keys, terminated by an entry with section == NULL. */
extern const struct cfg_keydoc cfg_keys[];

struct cfg_entry {
	char *section;
	char *key;
	char *value;   /* resolved (absolute for CFG_PATH) */
	char *file;    /* file that set it */
	int line;
};

struct config {
	char *path; /* absolute path of the main ini file, NULL when none */
	char *dir;  /* its directory (or cwd when no file) */
	struct cfg_entry *entries;
	size_t nr, alloc;
	char **files; /* every file read, the main one first, then its includes in order */
	size_t nr_files, alloc_files;
};

#define CONFIG_INIT { NULL, NULL, NULL, 0, 0, NULL, 0, 0 }

/* Largest ini file read; a bigger one is refused, never cut. */
#define CONFIG_MAX_BYTES (4u << 20)

/*
 * Find perfloop.ini in `start` or its parents. Returns a newly allocated
 * absolute path, or NULL when there is none.
 */
char *config_discover(const char *start);

/*
 * Load `path` into cfg. On error returns -1 with one line in err of the form
 * "FILE:LINE: what is wrong" (the innermost file when an include is bad).
 * A UTF-8 byte order mark at the start of a file is skipped; a file over
 * CONFIG_MAX_BYTES, an include loop, and an [env] entry naming bench.env's
 * variable are refused. The config is usable (and must be released) either way.
 */
int config_load(struct config *cfg, const char *path, struct strbuf *err);

/* Parse ini text (for tests and includes); `name` labels errors. Same checks as config_load. */
int config_parse(struct config *cfg, const char *name, const char *dir, const char *text,
		 struct strbuf *err);

void config_release(struct config *cfg);

/* Last value of "section.key", else the table default, else NULL. */
const char *config_get(const struct config *cfg, const char *name);
/* Typed getters over config_get(); values were validated at load time. */
long config_get_int(const struct config *cfg, const char *name);
double config_get_real(const struct config *cfg, const char *name);
int config_get_bool(const struct config *cfg, const char *name);
/* A path key as an absolute path (defaults resolved against the ini's directory); NULL when unset. Newly allocated. */
char *config_get_path(const struct config *cfg, const char *name);
/* Entry that set "section.key" last (for error locations), or NULL. */
const struct cfg_entry *config_entry(const struct config *cfg, const char *name);

/*
 * Call fn for each entry in `section` (free-form or list sections) in file
 * order; stops and returns fn's value when it is non-zero.
 */
int config_each(const struct config *cfg, const char *section, const char *key,
		int (*fn)(const struct cfg_entry *e, void *data), void *data);

/* Does cfg read `path` (the main file or an include)? Compared as real paths. */
int config_reads(const struct config *cfg, const char *path);

/*
 * Guard benchmarks, [guard "NAME"] sections (stored as section "guard.NAME"):
 * their names in file order (pointers into cfg, a new array the caller
 * frees) and how many; whether one of that name is configured.
 */
size_t config_guards(const struct config *cfg, const char ***out);
int config_has_guard(const struct config *cfg, const char *name);

/*
 * The configuration name that gives `key` for a guard's bench:
 * "guard.NAME.key" when the guard sets it or the key has a guard default
 * (runs, memory-margin), else the fallback "bench.key"; always "bench.key"
 * for the target (guard NULL). Newly allocated.
 */
char *config_guard_key(const struct config *cfg, const char *guard, const char *key);

/* Type name for help output. */
const char *cfg_type_name(enum cfg_type t);

#endif
