/*
 * curl-lazy.c: the libcurl functions perfloop calls, loaded with dlopen the
 * first time one is called.
 *
 * Linking libcurl directly makes every perfloop process load it and the ~30
 * libraries it needs (TLS, Kerberos, LDAP, IDN, ...) before main: about 5 ms
 * of CPU time per process, most of what a warm `perfloop hotspots` costs.
 * Only the GitHub commands use libcurl, so the binary is linked without it
 * and these definitions, under libcurl's own names and prototypes, forward to
 * libcurl.so.4 (its soname since 2006) once it is loaded. When it cannot be
 * loaded, the init functions fail and curl_lazy_error() says why.
 *
 * curl_easy_setopt() and curl_easy_getinfo() are variadic. Their argument
 * type follows from the option number, as libcurl itself reads it: options
 * below CURLOPTTYPE_OBJECTPOINT take a long, then object pointers, function
 * pointers, curl_off_t and blob pointers; every CURLINFO takes a pointer.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "github/curl-lazy.h"
#include "banned.h"

typedef void (*curl_fn)(void);

static struct {
	int tried;
	void *handle;
	char why[256];
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_reset)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	void (*free_)(void *);
	time_t (*getdate)(const char *, const time_t *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
} lc;

/* dlsym's object pointer into a function pointer (POSIX guarantees this works) */
static void sym(void *fp, const char *name, int *missing)
{
	void *p = dlsym(lc.handle, name);
	if (!p && !*missing) {
		snprintf(lc.why, sizeof(lc.why), "libcurl.so.4 has no %s", name);
		*missing = 1;
	}
	memcpy(fp, &p, sizeof(p));
}

/* 0 when libcurl is loaded and has every function */
static int load(void)
{
	int missing = 0;
	if (lc.tried)
		return lc.handle ? 0 : -1;
	lc.tried = 1;
	lc.handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lc.handle) {
		snprintf(lc.why, sizeof(lc.why), "%s", dlerror());
		return -1;
	}
	sym(&lc.global_init, "curl_global_init", &missing);
	sym(&lc.global_cleanup, "curl_global_cleanup", &missing);
	sym(&lc.easy_init, "curl_easy_init", &missing);
	sym(&lc.easy_setopt, "curl_easy_setopt", &missing);
	sym(&lc.easy_perform, "curl_easy_perform", &missing);
	sym(&lc.easy_cleanup, "curl_easy_cleanup", &missing);
	sym(&lc.easy_getinfo, "curl_easy_getinfo", &missing);
	sym(&lc.easy_reset, "curl_easy_reset", &missing);
	sym(&lc.easy_strerror, "curl_easy_strerror", &missing);
	sym(&lc.free_, "curl_free", &missing);
	sym(&lc.getdate, "curl_getdate", &missing);
	sym(&lc.slist_append, "curl_slist_append", &missing);
	sym(&lc.slist_free_all, "curl_slist_free_all", &missing);
	sym(&lc.url, "curl_url", &missing);
	sym(&lc.url_cleanup, "curl_url_cleanup", &missing);
	sym(&lc.url_get, "curl_url_get", &missing);
	sym(&lc.url_set, "curl_url_set", &missing);
	if (missing) {
		dlclose(lc.handle);
		lc.handle = NULL;
		return -1;
	}
	return 0;
}

const char *curl_lazy_error(void)
{
	return lc.why[0] ? lc.why : "libcurl is not loaded";
}

/*
 * The init functions load libcurl; the others are only reached with a handle
 * or list that an init function returned, so libcurl is loaded by then.
 */
CURLcode curl_global_init(long flags)
{
	return load() ? CURLE_FAILED_INIT : lc.global_init(flags);
}

void curl_global_cleanup(void)
{
	if (!load())
		lc.global_cleanup();
}

CURL *curl_easy_init(void)
{
	return load() ? NULL : lc.easy_init();
}

CURLU *curl_url(void)
{
	return load() ? NULL : lc.url();
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *data)
{
	return load() ? NULL : lc.slist_append(list, data);
}

const char *curl_easy_strerror(CURLcode code)
{
	return load() ? curl_lazy_error() : lc.easy_strerror(code);
}

time_t curl_getdate(const char *p, const time_t *unused)
{
	return load() ? (time_t)-1 : lc.getdate(p, unused);
}

/* the parentheses keep curl/typecheck-gcc.h's macros of the same names away */
CURLcode(curl_easy_setopt)(CURL *c, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;
	if (load())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		r = lc.easy_setopt(c, opt, va_arg(ap, long));
	} else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
		r = lc.easy_setopt(c, opt, va_arg(ap, void *));
	} else if (opt < CURLOPTTYPE_OFF_T) {
		r = lc.easy_setopt(c, opt, va_arg(ap, curl_fn));
	} else if (opt < CURLOPTTYPE_BLOB) {
		r = lc.easy_setopt(c, opt, va_arg(ap, curl_off_t));
	} else {
		r = lc.easy_setopt(c, opt, va_arg(ap, void *));
	}
	va_end(ap);
	return r;
}

CURLcode(curl_easy_getinfo)(CURL *c, CURLINFO info, ...)
{
	va_list ap;
	CURLcode r;
	if (load())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = lc.easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_perform(CURL *c)
{
	return load() ? CURLE_FAILED_INIT : lc.easy_perform(c);
}

void curl_easy_cleanup(CURL *c)
{
	if (!load())
		lc.easy_cleanup(c);
}

void curl_easy_reset(CURL *c)
{
	if (!load())
		lc.easy_reset(c);
}

void curl_free(void *p)
{
	if (p && !load())
		lc.free_(p);
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (list && !load())
		lc.slist_free_all(list);
}

void curl_url_cleanup(CURLU *u)
{
	if (u && !load())
		lc.url_cleanup(u);
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return load() ? CURLUE_OUT_OF_MEMORY : lc.url_get(u, what, part, flags);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return load() ? CURLUE_OUT_OF_MEMORY : lc.url_set(u, what, part, flags);
}
