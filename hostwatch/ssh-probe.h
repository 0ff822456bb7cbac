/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "common/ip-addr.h"
#include "common/macro.h"

/* SSH reachability proof with libssh, non-blocking; the only file that includes libssh.
 * Numeric addresses only (libssh resolves names with a blocking getaddrinfo), no ssh
 * config file read, no known_hosts consulted: the server's key is compared with the
 * machine's pinned keys with ssh_key_cmp. Deadlines are the caller's: libssh ignores its
 * own timeout in non-blocking mode. */

/* A known_hosts file of one machine: a handful of key types, a few rotations. */
#define SSH_PIN_KEYS_MAX 16
#define SSH_KNOWN_HOSTS_MAX (64 * 1024)

typedef struct SshPin SshPin;           /* the machine's acceptable host keys */
typedef struct SshIdentity SshIdentity; /* a private key to log in with */
typedef struct SshProbe SshProbe;

/* "ssh-ed25519 AAAA... [comment]" */
int ssh_pin_new_from_string(const char *line, SshPin **ret);
/* Every key of a known_hosts file ("HOSTS TYPE BASE64 [comment]"; markers refused). */
int ssh_pin_new_from_known_hosts(const char *path, SshPin **ret);
SshPin *ssh_pin_free(SshPin *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SshPin *, ssh_pin_free);

int ssh_identity_new(const char *path, SshIdentity **ret);
SshIdentity *ssh_identity_free(SshIdentity *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(SshIdentity *, ssh_identity_free);

typedef enum SshProbeResult {
        SSH_PROBE_AGAIN,        /* wait for the fd (ssh_probe_get_events), then step again */
        SSH_PROBE_CONNECTED,    /* handshake done, host key matched; login follows if an identity is set */
        SSH_PROBE_DONE,         /* all proven */
        SSH_PROBE_KEY_MISMATCH, /* the server's key is none of the pinned ones */
} SshProbeResult;

/* Starts a probe (the TCP connect is started here, non-blocking). pin and identity must
 * outlive the probe; identity may be NULL. pin NULL is trust on first use: any key of a
 * type we can pin passes the key check, and once the probe is DONE (key exchange and, when
 * identity is set, the login) ssh_probe_get_server_key() tells which. */
int ssh_probe_new(const ip_addr *address, uint16_t port, const char *user, const SshPin *pin,
                  const SshIdentity *identity, SshProbe **ret);
/* Drops the session without waiting for anything. */
SshProbe *ssh_probe_free(SshProbe *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SshProbe *, ssh_probe_free);

/* Advances the probe as far as it goes without blocking: an SshProbeResult, or a negative
 * errno when it failed (-ECONNREFUSED, -EHOSTUNREACH, -EPROTO, -EACCES for a refused login). */
int ssh_probe_step(SshProbe *p);
int ssh_probe_get_fd(SshProbe *p);
/* EPOLLIN/EPOLLOUT as libssh wants them now. */
uint32_t ssh_probe_get_events(SshProbe *p);
/* After SSH_PROBE_DONE of a probe without a pin: the server's key as "TYPE BASE64" and
 * its "SHA256:..." fingerprint (both freed by the caller). -ENODATA otherwise. */
int ssh_probe_get_server_key(SshProbe *p, char **ret_key, char **ret_fingerprint);
/* libssh's text for the last failure. */
const char *ssh_probe_get_error(SshProbe *p);
