/* SPDX-License-Identifier: ISC */
/*
 * Linked into the daemons of the sanitizer build only.  LeakSanitizer
 * stops the world with ptrace at exit, which every sandbox forbids, so
 * the daemons run without it; their leaks are checked with valgrind
 * (regress/README).  Unit tests keep leak detection.
 */
#ifdef OCKAM_SANITIZE
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return ("detect_leaks=0:color=never:symbolize=0");
}
#endif
