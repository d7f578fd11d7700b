/*
 * store.h: content hashes of artifacts and the content-addressed store.
 *
 * An artifact is identified by the XXH3-128 hash of its bytes (32 hex
 * digits). The store keeps one read-only copy per hash under
 * <state>/store/<first two digits>/<hash>/<file name>, so the same bytes are
 * stored once however many baselines or profiles refer to them. The copy
 * keeps the artifact's file name: Node loads a binding only from a name
 * ending in ".node", and perf shows file names in its DSO column.
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>
#include "strbuf.h"

#define HASH_HEX 33 /* 32 hex digits and NUL */

/* Hash a file's bytes. Returns 0, or -1 with err naming the path. */
int hash_file(const char *path, char hex[HASH_HEX], uint64_t *size, struct strbuf *err);

/* Hash a memory block (for keys). */
void hash_mem(const void *data, size_t len, char hex[HASH_HEX]);

/*
 * Copy `path` (whose hash is `hex`) into the store under `store_dir` unless
 * the same bytes are already there. On success returns 0 and sets *stored to
 * the newly allocated path of the copy; -1 with err filled otherwise. The copy
 * is written to a temporary name and renamed, so a crash never leaves a
 * partial file under a hash name.
 */
int store_put(const char *store_dir, const char *path, const char *hex, char **stored,
	      struct strbuf *err);

/*
 * Copy src to dest (mode `mode` plus src's execute bits) through a temporary
 * file ".NAME.tmp.PID" next to dest and a rename. SIGINT, SIGTERM and SIGHUP
 * are blocked meanwhile, so an interrupt takes effect after the rename or
 * the cleanup: dest is the old file or the complete copy, and no temporary
 * file is left behind. 0, or -1 with err.
 */
int file_copy_atomic(const char *src, const char *dest, unsigned mode, struct strbuf *err);

/*
 * The stored copy of a hash (newly allocated), whatever name it was stored
 * under, or NULL when the store does not hold it.
 */
char *store_find(const char *store_dir, const char *hex);

#endif
