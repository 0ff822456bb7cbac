/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * naive-host: the failing host daemon of the brief, on purpose. It takes the first
 * address in a dnsmasq lease file once, caches it for good, keeps an SSH session to it
 * and, when that session is lost, reconnects to the same address every second with no
 * backoff and no refresh. Each attempt is printed with a timestamp. Never do this; the
 * lab uses it to show the failure netguard exists to end.
 *
 *   naive-host --lease-file FILE --identity KEY --host-key PUBKEY
 *              [--user root] [--port 22] [--max-attempts N] [--lease-wait SEC]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <libssh/libssh.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/parse-util.h"

/* The daemon in the brief used a short connect timeout and a one-second retry. */
#define CONNECT_TIMEOUT_SEC 1
#define RETRY_INTERVAL_USEC 1000000
/* How long a cached session may take to answer a probe before it counts as lost. */
#define PROBE_TIMEOUT_MS 2000
/* An IPv4 or IPv6 address in text form fits in this. */
#define ADDR_MAX 64
/* libssh's error texts are short; longer ones are cut. */
#define ERR_MAX 256

typedef struct Options {
        const char *lease_file;
        const char *identity;
        const char *host_key;
        const char *user;
        unsigned port;
        unsigned max_attempts;
        unsigned lease_wait_sec;
} Options;

static void stamp(const char *fmt, ...) _printf_(1, 2);
static void stamp(const char *fmt, ...) {
        struct timespec ts;
        struct tm tm;
        va_list ap;

        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        printf("%02d:%02d:%02d.%03ld naive-host: ", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

/* The address of the first lease ("expiry mac ip hostname clientid" per line). */
static int lease_first_address(const char *path, char ret[static ADDR_MAX]) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[512], ip[ADDR_MAX];

        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "%*s %*s %63s", ip) == 1) {
                        strcpy(ret, ip);
                        return 0;
                }
        return -ENOENT;
}

static void session_freep(ssh_session *s) {
        if (*s) {
                ssh_disconnect(*s);
                ssh_free(*s);
        }
}

static void key_freep(ssh_key *k) {
        ssh_key_free(*k);
}

/* One connection attempt: connect, check the host key, log in. */
static int session_open(const Options *o, const char *addr, ssh_session *ret, char err[static ERR_MAX]) {
        _cleanup_(session_freep) ssh_session s = ssh_new();
        _cleanup_(key_freep) ssh_key server_key = NULL, pinned = NULL, id = NULL;
        long timeout = CONNECT_TIMEOUT_SEC;
        bool no = false;

        if (!s) {
                snprintf(err, ERR_MAX, "out of memory");
                return -ENOMEM;
        }
        ssh_options_set(s, SSH_OPTIONS_HOST, addr);
        ssh_options_set(s, SSH_OPTIONS_PORT, &o->port);
        ssh_options_set(s, SSH_OPTIONS_USER, o->user);
        ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
        ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
        if (ssh_connect(s) != SSH_OK) {
                snprintf(err, ERR_MAX, "%s", ssh_get_error(s));
                return -EHOSTUNREACH;
        }
        snprintf(err, ERR_MAX, "host key does not match the pinned key");
        if (ssh_get_server_publickey(s, &server_key) != SSH_OK ||
            ssh_pki_import_pubkey_file(o->host_key, &pinned) != SSH_OK ||
            ssh_key_cmp(server_key, pinned, SSH_KEY_CMP_PUBLIC) != 0)
                return -EPERM;
        snprintf(err, ERR_MAX, "cannot read the identity %s", o->identity);
        if (ssh_pki_import_privkey_file(o->identity, NULL, NULL, NULL, &id) != SSH_OK)
                return -ENOKEY;
        if (ssh_userauth_publickey(s, NULL, id) != SSH_AUTH_SUCCESS) {
                snprintf(err, ERR_MAX, "authentication: %s", ssh_get_error(s));
                return -EACCES;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

/* Is the cached session still alive? Runs "true" on it. */
static bool session_probe(ssh_session s) {
        ssh_channel c = ssh_channel_new(s);
        bool ok = false;
        char buf[64];

        if (!c)
                return false;
        if (ssh_channel_open_session(c) == SSH_OK) {
                if (ssh_channel_request_exec(c, "true") == SSH_OK) {
                        while (ssh_channel_read_timeout(c, buf, sizeof buf, 0, PROBE_TIMEOUT_MS) > 0)
                                ;
                        ok = ssh_channel_is_eof(c) && ssh_channel_get_exit_status(c) == 0;
                }
                ssh_channel_close(c);
        }
        ssh_channel_free(c);
        return ok;
}

static int run(const Options *o) {
        char addr[ADDR_MAX];
        unsigned attempts = 0, failures = 0, lease_polls = 0;
        int r;

        /* The one and only lookup: the first lease, cached forever. */
        while ((r = lease_first_address(o->lease_file, addr)) < 0) {
                if (lease_polls++ >= o->lease_wait_sec)
                        return log_error_errno(r, "no lease in %s: %m", o->lease_file);
                sleep(1);
        }
        stamp("cached address %s (first lease in %s); it is never looked up again", addr, o->lease_file);

        ssh_session session = NULL;
        while (o->max_attempts == 0 || attempts < o->max_attempts) {
                if (session) {
                        if (session_probe(session)) {
                                usleep(RETRY_INTERVAL_USEC);
                                continue;
                        }
                        stamp("SSH session to %s disconnected", addr);
                        ssh_disconnect(session);
                        ssh_free(session);
                        session = NULL;
                }
                attempts++;
                char err[ERR_MAX] = "";
                r = session_open(o, addr, &session, err);
                if (r >= 0)
                        stamp("attempt %u: ssh %s@%s: connected, caching new SSH session", attempts, o->user, addr);
                else {
                        failures++;
                        stamp("attempt %u: ssh %s@%s: failed: %s", attempts, o->user, addr, err);
                }
                usleep(RETRY_INTERVAL_USEC);   /* no backoff */
        }
        if (session) {
                ssh_disconnect(session);
                ssh_free(session);
        }
        stamp("stopped after %u attempts (%u failed), still on %s", attempts, failures, addr);
        return 0;
}

static void help(void) {
        printf("naive-host --lease-file FILE --identity KEY --host-key PUBKEY\n"
               "           [--user NAME] [--port N] [--max-attempts N] [--lease-wait SEC]\n"
               "The naive host daemon: caches the first leased address, reconnects every\n"
               "second, never refreshes. --max-attempts 0 (the default) never stops.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "lease-file", required_argument, NULL, 'l' },
                { "identity", required_argument, NULL, 'i' },
                { "host-key", required_argument, NULL, 'k' },
                { "user", required_argument, NULL, 'u' },
                { "port", required_argument, NULL, 'p' },
                { "max-attempts", required_argument, NULL, 'n' },
                { "lease-wait", required_argument, NULL, 'w' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        Options o = { .user = "root", .port = 22, .lease_wait_sec = 10 };
        uint32_t v;
        int c;

        log_set_program("naive-host");
        while ((c = getopt_long(argc, argv, "l:i:k:u:p:n:w:h", options, NULL)) >= 0)
                switch (c) {
                case 'l':
                        o.lease_file = optarg;
                        break;
                case 'i':
                        o.identity = optarg;
                        break;
                case 'k':
                        o.host_key = optarg;
                        break;
                case 'u':
                        o.user = optarg;
                        break;
                case 'p':
                        if (parse_range_u32(optarg, 1, 65535, &v) < 0)
                                return log_error("bad --port %s", optarg), 2;
                        o.port = v;
                        break;
                case 'n':
                        if (parse_u32(optarg, &v) < 0)
                                return log_error("bad --max-attempts %s", optarg), 2;
                        o.max_attempts = v;
                        break;
                case 'w':
                        if (parse_u32(optarg, &v) < 0)
                                return log_error("bad --lease-wait %s", optarg), 2;
                        o.lease_wait_sec = v;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        if (!o.lease_file || !o.identity || !o.host_key) {
                help();
                return 2;
        }
        return run(&o) < 0 ? 1 : 0;
}
