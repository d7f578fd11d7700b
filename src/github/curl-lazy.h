/*
 * curl-lazy.h: perfloop is linked without libcurl; src/github/curl-lazy.c defines
 * the libcurl functions it calls and loads libcurl.so.4 on the first call.
 */
#ifndef CURL_LAZY_H
#define CURL_LAZY_H

/* Why libcurl could not be loaded (dlopen's message or the missing function). */
const char *curl_lazy_error(void);

#endif
