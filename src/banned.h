/*
 * banned.h: functions that are too easy to misuse. Including this last in a
 * .c file turns any use of them into a compile error (git's banned.h).
 */
#ifndef BANNED_H
#define BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)

/*
 * Queries are stepped with ledger_step(), which reports an error where a bare
 * sqlite3_step() loop takes it for the end of the rows (a damaged page then
 * reads as "no rows"). ledger.c, which implements it, defines LEDGER_INTERNAL.
 */
#ifndef LEDGER_INTERNAL
#undef sqlite3_step
#define sqlite3_step(st) BANNED(sqlite3_step)
#endif

#endif
