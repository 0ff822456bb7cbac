/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile input: every case ends in a diagnostic and a defined code, never a crash. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "netplan/tests/np-test.h"

static int load_text(const char *text, size_t len, np_diag_list *diags, char **rootp) {
        char *root = np_test_root();
        char path[4096];
        snprintf(path, sizeof path, "%s/etc/netplan", root);
        np_test_write(root, "etc/netplan/.keep", "");
        snprintf(path, sizeof path, "%s/etc/netplan/a.yaml", root);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, len), (ssize_t) len);
        close(fd);
        int r = np_test_load(root, NULL, NULL, diags);
        *rootp = root;
        return r;
}

/* Root reads any file: the unreadable-file case runs as root with CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH out of the effective set (they stay permitted, so they can be raised again). */
static void dac_override(bool on) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
        uint32_t bits = 1U << CAP_DAC_OVERRIDE | 1U << CAP_DAC_READ_SEARCH;

        if (geteuid() != 0)
                return;
        assert_int_equal(syscall(SYS_capget, &h, d), 0);
        if (on)
                d[0].effective |= bits & d[0].permitted;
        else
                d[0].effective &= ~bits;
        assert_int_equal(syscall(SYS_capset, &h, d), 0);
}

static void done(char *root, np_diag_list *diags) {
        np_diag_list_clear(diags);
        np_test_rmrf(root);
        free(root);
}

static void test_deep_nesting(void **state) {
        size_t n = 100000;
        char *s = malloc(n * 2 + 16);
        strcpy(s, "network: ");
        size_t o = strlen(s);
        for (size_t i = 0; i < n; i++)
                s[o++] = '[';
        for (size_t i = 0; i < n; i++)
                s[o++] = ']';
        np_diag_list diags = {};
        char *root;
        assert_int_equal(load_text(s, o, &diags, &root), -EINVAL);
        free(s);
        /* hostile depth: the parse stops */
        assert_non_null(strstr(diags.items[0].message, "nesting too deep"));
        done(root, &diags);

        /* levels beyond NP_MAX_DEPTH but within the parse limit are dropped while parsing
         * goes on, so the error is the one netplan gives */
        char buf[512];
        o = (size_t) snprintf(buf, sizeof buf, "network: ");
        for (size_t i = 0; i < 100; i++)
                buf[o++] = '[';
        for (size_t i = 0; i < 100; i++)
                buf[o++] = ']';
        buf[o++] = '\n';
        assert_int_equal(load_text(buf, o, &diags, &root), -EINVAL);
        assert_string_equal(np_test_first_error(root, &diags),
                            "etc/netplan/a.yaml:1:10: Error in network definition: expected mapping (check indentation)");
        done(root, &diags);
}

static void test_recursive_alias(void **state) {
        np_diag_list diags = {};
        char *root;
        /* netplan 0.106 says "unknown key 'eth0'" here (it walks into the cycle once) */
        static const char cyc[] = "network:\n  ethernets: &a\n    eth0: *a\n";
        assert_int_equal(load_text(cyc, sizeof cyc - 1, &diags, &root), -EINVAL);
        assert_non_null(strstr(np_test_first_error(root, &diags), "3:11: Invalid YAML: recursive alias"));
        done(root, &diags);
}

static void test_alias_bomb(void **state) {
        /* nine levels of ten aliases each: 10^9 nodes if expanded */
        char buf[4096];
        size_t o = (size_t) snprintf(buf, sizeof buf, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++)
                o += (size_t) snprintf(buf + o, sizeof buf - o,
                                       "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                                       i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        np_diag_list diags = {};
        char *root;
        assert_int_equal(load_text(buf, o, &diags, &root), -EINVAL);
        assert_non_null(strstr(diags.items[0].message, "too many nodes"));
        done(root, &diags);
}

static void test_binary_junk(void **state) {
        static const char junk[] = "\x00\x01\xff\xfe\x80garbage\x00\n\x7f";
        np_diag_list diags = {};
        char *root;
        assert_int_equal(load_text(junk, sizeof junk - 1, &diags, &root), -EINVAL);
        assert_string_equal(np_test_first_error(root, &diags), "etc/netplan/a.yaml:1:1: Invalid YAML: aliases are not supported:");
        done(root, &diags);
        static const char utf[] = "network:\n  ethernets:\n    e: {dhcp4: \xff}\n";
        assert_int_equal(load_text(utf, sizeof utf - 1, &diags, &root), -EINVAL);
        assert_string_equal(np_test_first_error(root, &diags), "etc/netplan/a.yaml:1:1: Invalid YAML: invalid leading UTF-8 octet:");
        done(root, &diags);
}

static void test_too_large(void **state) {
        size_t n = 1024 * 1024 + 1;
        char *s = malloc(n);
        memset(s, '#', n);
        np_diag_list diags = {};
        char *root;
        assert_int_equal(load_text(s, n, &diags, &root), -EFBIG);
        assert_int_equal(diags.items[0].kind, NP_DIAG_IO);
        assert_non_null(strstr(diags.items[0].message, "1 MiB"));
        done(root, &diags);
        free(s);
}

static void test_filesystem_oddities(void **state) {
        char *root = np_test_root();
        char path[4096];
        np_diag_list diags = {};
        int r;

        np_test_write(root, "etc/netplan/.keep", "");
        snprintf(path, sizeof path, "%s/etc/netplan/loop.yaml", root);
        assert_int_equal(symlink("loop.yaml", path), 0);
        assert_int_equal(np_test_load(root, NULL, NULL, &diags), -ELOOP);
        assert_int_equal(diags.items[0].kind, NP_DIAG_IO);
        assert_non_null(strstr(diags.items[0].message, "Cannot stat"));
        assert_non_null(strstr(diags.items[0].pos.file, "/etc/netplan/loop.yaml"));
        assert_int_equal(diags.items[0].pos.line, 0);
        char *s = np_diag_format(&diags.items[0]);
        assert_non_null(strstr(s, "Cannot stat "));
        assert_non_null(strstr(s, "loop.yaml: Too many levels of symbolic links\n"));
        free(s);
        np_diag_list_clear(&diags);
        assert_int_equal(unlink(path), 0);

        snprintf(path, sizeof path, "%s/etc/netplan/dir.yaml", root);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(np_test_load(root, NULL, NULL, &diags), -EISDIR);
        np_diag_list_clear(&diags);
        assert_int_equal(rmdir(path), 0);

        /* netplan itself blocks forever on a FIFO */
        snprintf(path, sizeof path, "%s/etc/netplan/fifo.yaml", root);
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(np_test_load(root, NULL, NULL, &diags), -EBADFD);
        np_diag_list_clear(&diags);
        assert_int_equal(unlink(path), 0);

        np_test_write(root, "etc/netplan/secret.yaml", "network: {}\n");
        snprintf(path, sizeof path, "%s/etc/netplan/secret.yaml", root);
        assert_int_equal(chmod(path, 0), 0);
        dac_override(false);
        r = np_test_load(root, NULL, NULL, &diags);
        dac_override(true);
        assert_int_equal(r, -EACCES);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_deep_nesting),
                cmocka_unit_test(test_alias_bomb),
                cmocka_unit_test(test_recursive_alias),
                cmocka_unit_test(test_binary_junk),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_filesystem_oddities),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
