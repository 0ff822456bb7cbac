/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libssh/libssh.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "common/file-read.h"
#include "hostwatch/ssh-probe.h"

struct SshPin {
        size_t n;
        ssh_key keys[SSH_PIN_KEYS_MAX];
        char hostkeys[256];     /* the algorithms to ask for, so the server shows a pinned type */
};

struct SshIdentity {
        ssh_key key;
};

typedef enum Phase {
        PHASE_CONNECT,
        PHASE_AUTH,
        PHASE_DONE,
} Phase;

struct SshProbe {
        ssh_session session;
        const SshPin *pin;
        const SshIdentity *identity;
        Phase phase;
        ssh_key server_key;     /* without a pin: the key the server showed */
};

SshPin *ssh_pin_free(SshPin *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n; i++)
                ssh_key_free(p->keys[i]);
        return mfree(p);
}

static const char *algorithms_of(ssh_key k) {
        switch (ssh_key_type(k)) {
        case SSH_KEYTYPE_RSA:
                return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
        case SSH_KEYTYPE_ED25519:
                return "ssh-ed25519";
        case SSH_KEYTYPE_ECDSA_P256:
                return "ecdsa-sha2-nistp256";
        case SSH_KEYTYPE_ECDSA_P384:
                return "ecdsa-sha2-nistp384";
        case SSH_KEYTYPE_ECDSA_P521:
                return "ecdsa-sha2-nistp521";
        default:
                return NULL;
        }
}

/* "TYPE BASE64 [comment]" into p. */
static int pin_add(SshPin *p, const char *type, const char *b64) {
        ssh_key k = NULL;
        const char *alg;
        enum ssh_keytypes_e t = ssh_key_type_from_name(type);

        if (t == SSH_KEYTYPE_UNKNOWN)
                return -EINVAL;
        if (p->n >= SSH_PIN_KEYS_MAX)
                return -E2BIG;
        if (ssh_pki_import_pubkey_base64(b64, t, &k) != SSH_OK)
                return -EINVAL;
        alg = algorithms_of(k);
        if (!alg) {
                ssh_key_free(k);
                return -EOPNOTSUPP;
        }
        if (!strstr(p->hostkeys, alg)) {
                size_t l = strlen(p->hostkeys);
                if (l + 1 + strlen(alg) + 1 > sizeof p->hostkeys) {
                        ssh_key_free(k);
                        return -E2BIG;
                }
                snprintf(p->hostkeys + l, sizeof p->hostkeys - l, "%s%s", l ? "," : "", alg);
        }
        p->keys[p->n++] = k;
        return 0;
}

int ssh_pin_new_from_string(const char *line, SshPin **ret) {
        _cleanup_(ssh_pin_freep) SshPin *p = calloc(1, sizeof *p);
        _cleanup_free_ char *copy = strdup(line);
        char *save = NULL, *type, *b64;
        int r;

        if (!p || !copy)
                return -ENOMEM;
        type = strtok_r(copy, " \t\n", &save);
        b64 = type ? strtok_r(NULL, " \t\n", &save) : NULL;
        if (!b64)
                return -EINVAL;
        r = pin_add(p, type, b64);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int ssh_pin_new_from_known_hosts(const char *path, SshPin **ret) {
        _cleanup_(ssh_pin_freep) SshPin *p = calloc(1, sizeof *p);
        _cleanup_free_ char *data = NULL;
        char *save = NULL;
        int r;

        if (!p)
                return -ENOMEM;
        r = read_file_bounded(path, SSH_KNOWN_HOSTS_MAX, READ_FILE_FOLLOW, &data, NULL, NULL);
        if (r < 0)
                return r;
        for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *s2 = NULL, *hosts = strtok_r(line, " \t", &s2), *type, *b64;
                if (!hosts || hosts[0] == '#')
                        continue;
                if (hosts[0] == '@')    /* @revoked / @cert-authority: not a pin */
                        return -EINVAL;
                type = strtok_r(NULL, " \t", &s2);
                b64 = type ? strtok_r(NULL, " \t", &s2) : NULL;
                if (!b64)
                        return -EINVAL;
                r = pin_add(p, type, b64);
                if (r < 0)
                        return r;
        }
        if (p->n == 0)
                return -ENOKEY;
        *ret = TAKE_PTR(p);
        return 0;
}

int ssh_identity_new(const char *path, SshIdentity **ret) {
        _cleanup_free_ SshIdentity *i = calloc(1, sizeof *i);

        if (!i)
                return -ENOMEM;
        if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &i->key) != SSH_OK)
                return -ENOKEY;
        *ret = TAKE_PTR(i);
        return 0;
}

SshIdentity *ssh_identity_free(SshIdentity *i) {
        if (!i)
                return NULL;
        ssh_key_free(i->key);
        return mfree(i);
}

SshProbe *ssh_probe_free(SshProbe *p) {
        if (!p)
                return NULL;
        if (p->session) {
                /* A finished session says goodbye; one cut mid-handshake just closes. */
                if (p->phase == PHASE_DONE)
                        ssh_disconnect(p->session);
                ssh_free(p->session);
        }
        ssh_key_free(p->server_key);
        return mfree(p);
}

int ssh_probe_new(const ip_addr *address, uint16_t port, const char *user, const SshPin *pin,
                  const SshIdentity *identity, SshProbe **ret) {
        _cleanup_(ssh_probe_freep) SshProbe *p = calloc(1, sizeof *p);
        char host[INET6_ADDRSTRLEN];
        unsigned int port_u = port;
        bool no = false;
        int r;

        if (!p)
                return -ENOMEM;
        r = ip_addr_to_string(address, host, sizeof host);
        if (r < 0)
                return r;
        p->pin = pin;
        p->identity = identity;
        p->session = ssh_new();
        if (!p->session)
                return -ENOMEM;
        /* Config files could redirect host, port, user or add a ProxyCommand; known_hosts
         * would only order the algorithms, the pin decides. /dev/null keeps libssh out of
         * ~/.ssh entirely. */
        if (ssh_options_set(p->session, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
            ssh_options_set(p->session, SSH_OPTIONS_HOST, host) < 0 ||
            ssh_options_set(p->session, SSH_OPTIONS_PORT, &port_u) < 0 ||
            ssh_options_set(p->session, SSH_OPTIONS_USER, user) < 0 ||
            ssh_options_set(p->session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") < 0 ||
            ssh_options_set(p->session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
            ssh_options_set(p->session, SSH_OPTIONS_SSH_DIR, "/nonexistent") < 0 ||
            (pin && ssh_options_set(p->session, SSH_OPTIONS_HOSTKEYS, pin->hostkeys) < 0))
                return -EINVAL;
        ssh_set_blocking(p->session, 0);
        /* The first call opens the socket and starts the TCP connect. */
        r = ssh_probe_step(p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

static int error_of(SshProbe *p) {
        const char *e = ssh_get_error(p->session);

        if (strstr(e, "refused"))
                return -ECONNREFUSED;
        if (strstr(e, "nreachable") || strstr(e, "No route"))
                return -EHOSTUNREACH;
        if (strstr(e, "timed out"))
                return -ETIMEDOUT;
        return -EPROTO;
}

static int check_key(SshProbe *p) {
        ssh_key server = NULL;
        bool match = false;

        if (ssh_get_server_publickey(p->session, &server) != SSH_OK)
                return -EPROTO;
        if (!p->pin) {
                /* Trust on first use: only a key that a pin can hold later. */
                if (!algorithms_of(server)) {
                        ssh_key_free(server);
                        return -EPROTO;
                }
                ssh_key_free(p->server_key);
                p->server_key = server;
                return 1;
        }
        for (size_t i = 0; i < p->pin->n && !match; i++)
                match = ssh_key_cmp(server, p->pin->keys[i], SSH_KEY_CMP_PUBLIC) == 0;
        ssh_key_free(server);
        return match;
}

int ssh_probe_step(SshProbe *p) {
        int r;

        switch (p->phase) {
        case PHASE_CONNECT:
                r = ssh_connect(p->session);
                if (r == SSH_AGAIN)
                        return SSH_PROBE_AGAIN;
                if (r != SSH_OK)
                        return error_of(p);
                r = check_key(p);
                if (r < 0)
                        return r;
                if (r == 0)
                        return SSH_PROBE_KEY_MISMATCH;
                if (!p->identity) {
                        p->phase = PHASE_DONE;
                        return SSH_PROBE_DONE;
                }
                p->phase = PHASE_AUTH;
                return SSH_PROBE_CONNECTED;
        case PHASE_AUTH:
                r = ssh_userauth_publickey(p->session, NULL, p->identity->key);
                if (r == SSH_AUTH_AGAIN)
                        return SSH_PROBE_AGAIN;
                if (r == SSH_AUTH_SUCCESS) {
                        p->phase = PHASE_DONE;
                        return SSH_PROBE_DONE;
                }
                if (r == SSH_AUTH_DENIED || r == SSH_AUTH_PARTIAL)
                        return -EACCES;
                return error_of(p);
        case PHASE_DONE:
                return SSH_PROBE_DONE;
        }
        return -EINVAL;
}

int ssh_probe_get_fd(SshProbe *p) {
        socket_t fd = ssh_get_fd(p->session);
        return fd == SSH_INVALID_SOCKET ? -EBADF : fd;
}

uint32_t ssh_probe_get_events(SshProbe *p) {
        int f = ssh_get_poll_flags(p->session);
        uint32_t ev = 0;

        if (f & SSH_READ_PENDING)
                ev |= EPOLLIN;
        if (f & SSH_WRITE_PENDING)
                ev |= EPOLLOUT;
        /* Nothing asked: still listen, a reply or a close must wake us. */
        return ev ? ev : EPOLLIN;
}

int ssh_probe_get_server_key(SshProbe *p, char **ret_key, char **ret_fingerprint) {
        _cleanup_free_ char *b64 = NULL, *key = NULL;
        unsigned char *hash = NULL;
        size_t hlen = 0;
        char *fp;
        const char *type;

        if (p->pin || p->phase != PHASE_DONE || !p->server_key)
                return -ENODATA;
        type = ssh_key_type_to_char(ssh_key_type(p->server_key));
        if (!type || ssh_pki_export_pubkey_base64(p->server_key, &b64) != SSH_OK)
                return -EPROTO;
        if (asprintf(&key, "%s %s", type, b64) < 0)
                return -ENOMEM;
        if (ssh_get_publickey_hash(p->server_key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != SSH_OK)
                return -EPROTO;
        fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
        ssh_clean_pubkey_hash(&hash);
        if (!fp)
                return -ENOMEM;
        *ret_fingerprint = fp;
        *ret_key = TAKE_PTR(key);
        return 0;
}

const char *ssh_probe_get_error(SshProbe *p) {
        return ssh_get_error(p->session);
}
