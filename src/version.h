/*
 * version.h: perfloop's version, printed by --version and stored in reports.
 */
#ifndef VERSION_H
#define VERSION_H

#define PERFLOOP_VERSION "0.1.0"

#endif
