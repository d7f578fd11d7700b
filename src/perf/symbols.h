/*
 * symbols.h: symbol tables for the profile reader, built the way perf report
 * builds them so that rows match: ELF .symtab (from a /usr/lib/debug
 * build-id file when one exists), else .dynsym, read with libelf; addresses
 * turned into file offsets through the program headers; zero-sized symbols
 * extended to the next one; duplicates at one address resolved with perf's
 * preferences (when those compare demangled names, only once a sample lands
 * there: demangling every alias of a large Rust or C++ binary would be most
 * of a cold load); synthesized "name@plt" entries. Also /proc/kallsyms, JIT maps
 * (/tmp/perf-<pid>.map) and the vdso.
 *
 * A table is four parallel arrays sorted by start address, searched by
 * binary search. Names stay in the string table they came from (the mapped
 * ELF file) and are demangled only when shown, so loading a 100 MB binary
 * costs one pass over its symbol table and a radix sort. An ELF table is
 * saved to a cache file keyed by build id (format in symbols.c); the next
 * load maps that file and uses its arrays in place.
 *
 * Core module: never prints; problems a user should know about go to a
 * caller's `warn` buffer, one line each.
 */
#ifndef SYMBOLS_H
#define SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

#define SYM_PLT 1 /* synthesized PLT entry: name in dynstr, shown as "<demangled>@plt" */
/*
 * Symbols sharing this address whose choice needs their demangled names:
 * name[] is the group's number in the alias arrays, resolved when first read.
 */
#define SYM_ALIAS     2
#define SYM_NO_MODULE UINT32_MAX /* a kallsyms symbol of the kernel image */

/* What is known of the alias groups a sample has landed in (private). */
struct sym_aliases {
	uint32_t *winner; /* per group: 1 + the member kept, 0: not chosen yet */
	char **shown;	  /* its demangled name until symtab_pretty takes it */
	size_t chosen;	  /* groups chosen by this table (not read from the file) */
	char *path;	  /* where the choices are kept beside the cache, or NULL */
	uint64_t tag;	  /* the cache file's hash, which the choices belong to */
};

struct symtab {
	size_t nr;
	const uint64_t *start;	/* sorted; file offsets for ELF, addresses otherwise */
	const uint32_t *size;	/* a symbol covers [start, start + size) */
	const uint32_t *name;	/* offset in strtab (or dynstr for SYM_PLT) */
	const uint8_t *flags;	/* SYM_* */
	const uint32_t *module; /* kallsyms only: offset of "[mod]" in strtab, SYM_NO_MODULE */
	int demangle;		/* names are C++/Rust mangled (user ELF) */
	int from_cache;
	uint64_t cache_hash; /* of the cache file it was read from or written to */

	const char *strtab, *dynstr;
	uint64_t strtab_off, strtab_size, dynstr_off, dynstr_size;

	/*
	 * Alias groups (SYM_ALIAS): group g's members are alias_name[k] (strtab
	 * offsets) with their ELF binding alias_bind[k], k in [alias_first[g],
	 * alias_first[g + 1]), in perf's order of comparison.
	 */
	size_t alias_nr, alias_members;
	const uint32_t *alias_first, *alias_name;
	const uint8_t *alias_bind;

	/* private: storage and the display names computed so far */
	void *own[8];		     /* arrays this table allocated */
	struct sym_aliases *aliases; /* groups resolved so far */
	void *map;		     /* cache file mapping */
	size_t map_len;
	void *elf, *elf2; /* Elf handles kept open for the names */
	int fd, fd2;
	char *pool; /* names read from a text file (kallsyms, JIT map) */
	uint32_t *pretty_key;
	char **pretty_val;
	size_t pretty_nr, pretty_cap;
};

/* What to load for one DSO. */
struct sym_request {
	const char *path;	 /* as recorded in the profile */
	const char *file;	 /* read this file instead (a stored copy), or NULL */
	const uint8_t *build_id; /* recorded build id, or NULL */
	size_t build_id_size;
	const char *cache_dir;	 /* symbol cache directory, NULL: no cache */
	const char *debug_root;	 /* "/usr/lib/debug", NULL: do not look */
	const char *buildid_dir; /* perf's build-id cache ("~/.debug"), NULL: do not look */
};

/*
 * Load the symbols of an ELF DSO. Returns a table (possibly empty) or NULL
 * when no file could be read; `warn` then says why (a build-id mismatch is
 * said there too). Free with symtab_free().
 */
struct symtab *symtab_load(const struct sym_request *rq, struct strbuf *warn);

/* The vdso: perf's cached copy when there is one, else this process's own. NULL on failure. */
struct symtab *symtab_load_vdso(const struct sym_request *rq, struct strbuf *warn);

/*
 * Kernel symbols from a kallsyms file (perf's cached copy or /proc/kallsyms).
 * NULL with `warn` set when unreadable or when addresses are hidden
 * (kernel.kptr_restrict). With a cache_dir the parsed table is saved there
 * and used while it is still valid: for a file, while its size, mtime and
 * inode are those it had; for /proc/kallsyms, while the boot, the running
 * kernel's build id and the loaded modules (name, size, address) are those
 * it was written under.
 */
struct symtab *symtab_load_kallsyms(const char *path, const char *cache_dir, struct strbuf *warn);

/* The module ("[mod]") of kallsyms symbol i, NULL for the kernel image or another table. */
const char *symtab_module(const struct symtab *t, size_t i);

/* A JIT map (/tmp/perf-<pid>.map: "START SIZE name" in hex). NULL when unreadable. */
struct symtab *symtab_load_perfmap(const char *path);

/*
 * Parse an ELF image in memory (tests, the vdso); the names point into
 * `image`, which must outlive the table. NULL when it is not ELF.
 */
struct symtab *symtab_load_mem(const void *image, size_t size, int demangle);

void symtab_free(struct symtab *t);

/* Index of the symbol containing addr, -1 when none. */
long symtab_find(const struct symtab *t, uint64_t addr);

/* The raw (mangled) name of symbol i; "" when the table is damaged. */
const char *symtab_name(const struct symtab *t, size_t i);

/* The name perf report shows for symbol i (demangled, "@plt" added). */
const char *symtab_pretty(struct symtab *t, size_t i);

/*
 * Demangle as perf does (libiberty cplus_demangle without options: C++
 * without parameters, Rust legacy and v0 without hashes). Returns a newly
 * allocated string, or NULL when the name is not mangled.
 */
char *sym_demangle(const char *raw);

/*
 * The source language a raw (mangled) symbol name tells: "rust" (v0 "_R..."
 * or legacy "_ZN...17h<hash>E"), "c++" (other "_Z..."), or NULL when the
 * name is not mangled (C, assembly, or unknown).
 */
const char *sym_language(const char *raw);

/* Build id of an ELF file; returns its size (0 when it has none, -1 when unreadable). */
int elf_file_build_id(const char *path, uint8_t *out, size_t max);

/*
 * Sort keys[] ascending, moving idx[] along; stable. Keys within 2^32 of
 * each other are sorted packed with their idx in one word.
 */
void radix_sort_u64(uint64_t *keys, uint32_t *idx, size_t n);

#endif
