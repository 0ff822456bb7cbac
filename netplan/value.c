/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scalar values as netplan's parser reads them: pure functions over strings. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/macro.h"
#include "netplan/value.h"

bool np_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "true", "on", "yes", "y" }, *const no[] = { "false", "off", "no", "n" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return true;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return true;
                }
        return false;
}

/* g_ascii_strtoull semantics: leading blanks and a sign are accepted, the rest must be
 * digits up to the end. */
bool np_parse_guint(const char *s, unsigned long long *ret) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (*end != '\0')
                return false;
        if (errno == ERANGE)
                v = ULLONG_MAX;
        *ret = v;
        return v <= UINT_MAX;
}

bool np_is_mac(const char *s, size_t nbytes) {
        if (strlen(s) != nbytes * 3 - 1)
                return false;
        for (size_t i = 0; i < nbytes * 3 - 1; i++) {
                if (i % 3 == 2) {
                        if (s[i] != ':')
                                return false;
                } else if (!isxdigit((unsigned char) s[i]))
                        return false;
        }
        return true;
}

bool np_is_ip4(const char *s) {
        struct in_addr a;
        return inet_pton(AF_INET, s, &a) > 0;
}

bool np_is_ip6(const char *s) {
        struct in6_addr a;
        return inet_pton(AF_INET6, s, &a) > 0;
}

bool np_is_hostname(const char *s) {
        /* labels of letters, digits and inner hyphens; netplan's regex sets no lengths */
        size_t len = strlen(s), label = 0;
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (ch == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char) ch) && ch != '-')
                        return false;
                if (label == 0 && ch == '-')
                        return false;
                label++;
        }
        return s[len - 1] != '-';
}

int np_ip_family(const char *s) {
        _cleanup_free_ char *t = strdup(s);
        if (!t)
                return -1;
        char *p = strrchr(t, '/');
        if (p)
                *p = '\0';
        if (np_is_ip4(t))
                return AF_INET;
        if (np_is_ip6(t))
                return AF_INET6;
        return -1;
}

bool np_in_list(const char *s, const char *const *values, bool icase) {
        for (size_t i = 0; values[i]; i++)
                if ((icase ? strcasecmp : strcmp)(s, values[i]) == 0)
                        return true;
        return false;
}


int np_version_parse(const char *s, unsigned *ret) {
        unsigned major = 0, minor = 0;
        char *end;
        if (!s || !*s)
                return -EINVAL;
        unsigned long a = strtoul(s, &end, 10);
        if (end == s || *end != '.' || a > 100)
                return -EINVAL;
        const char *m = end + 1;
        unsigned long b = strtoul(m, &end, 10);
        if (end == m || b > 999)
                return -EINVAL;
        major = (unsigned) a;
        minor = (unsigned) b;
        *ret = major * 1000 + minor;
        return 0;
}
