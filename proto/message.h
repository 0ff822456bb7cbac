/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ip-addr.h"
#include "proto/error.h"
#include "proto/frame.h"

/* Named caps. Each is checked before anything is allocated for it. */
#define PROTO_LINKS_MAX 256             /* links in one ADDRESSES snapshot: a busy container host */
#define PROTO_LINK_ADDRESSES_MAX 64     /* addresses on one link (IPv6 privacy addresses pile up) */
#define PROTO_ADDRESSES_MAX 1024        /* addresses in one snapshot, all links together */
#define PROTO_IFNAME_MAX 15             /* IFNAMSIZ - 1 */
#define PROTO_HWADDR_MAX 32             /* MAX_ADDR_LEN of the kernel */
#define PROTO_HOSTNAME_MAX 253          /* a full DNS name */
#define PROTO_AGENT_VERSION_MAX 64      /* "0.1.0-3+deb12u1" and the like */
#define PROTO_TEXT_MAX 256              /* reasons and error messages: a sentence, not a log */
#define PROTO_ROUTES_MAX 64             /* default routes in one snapshot (v2): a few per family, with metrics */

typedef enum ProtoType {
        PROTO_TYPE_ACK = 1,             /* both directions */
        PROTO_TYPE_GUEST_HELLO = 2,     /* guest -> host */
        PROTO_TYPE_ADDRESSES = 3,
        PROTO_TYPE_HEARTBEAT = 4,
        PROTO_TYPE_TXN = 5,
        PROTO_TYPE_ERROR = 6,           /* both directions */
        PROTO_TYPE_HOST_HELLO = 7,      /* host -> guest */
        PROTO_TYPE_HOST_REACHED = 8,
        PROTO_TYPE_HOST_LOST = 9,
        PROTO_TYPE_PING = 10,
        _PROTO_TYPE_MAX,
        _PROTO_TYPE_INVALID = -EINVAL,
} ProtoType;

/* Wire values of an address family (not AF_* numbers, which differ between systems). In
 * the structs an address is a common ip_addr with an AF_* family, AF_UNSPEC = absent. */
enum {
        PROTO_FAMILY_IPV4 = 4,
        PROTO_FAMILY_IPV6 = 6,
};

/* RFC 2863 operational state, the same numbers as the kernel's IF_OPER_*. */
typedef enum ProtoOperState {
        PROTO_OPER_UNKNOWN = 0,
        PROTO_OPER_NOTPRESENT = 1,
        PROTO_OPER_DOWN = 2,
        PROTO_OPER_LOWERLAYERDOWN = 3,
        PROTO_OPER_TESTING = 4,
        PROTO_OPER_DORMANT = 5,
        PROTO_OPER_UP = 6,
        _PROTO_OPER_MAX,
        _PROTO_OPER_INVALID = -EINVAL,
} ProtoOperState;

typedef enum ProtoTxnState {
        PROTO_TXN_PENDING = 1,          /* applied, waiting for confirmation */
        PROTO_TXN_CONFIRMED = 2,
        PROTO_TXN_ROLLED_BACK = 3,
        PROTO_TXN_FAILED = 4,           /* could not be applied; nothing changed */
        _PROTO_TXN_MAX,
        _PROTO_TXN_INVALID = -EINVAL,
} ProtoTxnState;

typedef enum ProtoProof {
        PROTO_PROOF_SSH = 1,            /* an SSH session whose host key matched the pinned key */
        PROTO_PROOF_TCP = 2,            /* a TCP connection to the SSH port was accepted */
        _PROTO_PROOF_MAX,
        _PROTO_PROOF_INVALID = -EINVAL,
} ProtoProof;

enum {
        PROTO_LINK_MANAGEMENT = 1u << 0,        /* the link the host reaches this guest on */
};

typedef struct ProtoAddress {
        ip_addr address;                /* with its prefix length */
        uint8_t scope;                  /* RT_SCOPE_* */
        uint32_t flags;                 /* IFA_F_* */
        uint32_t valid_lft;             /* seconds; UINT32_MAX = forever */
        uint32_t preferred_lft;
} ProtoAddress;

typedef struct ProtoLink {
        char name[PROTO_IFNAME_MAX + 1];
        uint32_t index;
        uint8_t hwaddr[PROTO_HWADDR_MAX];
        uint32_t hwaddr_len;
        uint8_t operstate;              /* ProtoOperState */
        uint32_t master;                /* ifindex of the master, 0 = none */
        uint32_t flags;                 /* PROTO_LINK_* */
        size_t n_addresses;
        ProtoAddress *addresses;
        /* Version 2: the address the hardware came with, 0 bytes = none (virtual links). */
        uint8_t permanent_hwaddr[PROTO_HWADDR_MAX];
        uint32_t permanent_hwaddr_len;
} ProtoLink;

/* Version 2: a default route (0.0.0.0/0 or ::/0) of the main table, one per nexthop link. */
typedef struct ProtoRoute {
        uint8_t family;                 /* PROTO_FAMILY_*: the destination is this family's /0 */
        ip_addr gateway;                /* AF_UNSPEC = none (a route on the link itself) */
        uint32_t ifindex;               /* the link it leaves on */
        uint32_t metric;                /* RTA_PRIORITY */
        uint8_t protocol;               /* RTPROT_*: who installed it (dhcp, ra, static...) */
} ProtoRoute;

typedef struct ProtoGuestHello {
        uint16_t version_min, version_max;
        uint64_t instance;              /* random per agent start: resets duplicate detection */
        bool reply;                     /* answers a peer HELLO: do not answer it */
        char agent_version[PROTO_AGENT_VERSION_MAX + 1];
        uint8_t machine_id[16];
        uint8_t boot_id[16];
        char hostname[PROTO_HOSTNAME_MAX + 1];
} ProtoGuestHello;

typedef struct ProtoHostHello {
        uint16_t version_min, version_max;
        uint64_t instance;
        bool reply;
        uint8_t mgmt_mac[6];            /* all zero = no hint */
        ip_addr host_address;            /* the address the guest should keep reaching */
        uint32_t heartbeat_interval_ms; /* 0 = no wish */
} ProtoHostHello;

typedef struct ProtoAddresses {
        uint32_t snapshot;              /* increases with every snapshot of one instance */
        size_t n_links;
        ProtoLink *links;
        size_t n_routes;                /* version 2 */
        ProtoRoute *routes;
} ProtoAddresses;

typedef struct ProtoHeartbeat {
        uint32_t snapshot;              /* the last ADDRESSES sent */
        uint64_t token;                 /* the token of the PING this answers, 0 = none */
} ProtoHeartbeat;

typedef struct ProtoTxn {
        uint64_t id;
        uint8_t state;                  /* ProtoTxnState */
        uint64_t deadline_usec;         /* guest CLOCK_REALTIME; 0 = none */
        char reason[PROTO_TEXT_MAX + 1];
} ProtoTxn;

typedef struct ProtoErrorMsg {
        uint32_t code;                  /* ProtoError for protocol errors, >= 1000 application */
        uint32_t seq;                   /* the frame it is about, 0 = none */
        char text[PROTO_TEXT_MAX + 1];
} ProtoErrorMsg;

typedef struct ProtoHostReached {
        uint64_t txn;                   /* 0 = not about a transaction */
        ip_addr address;                /* a host address (full prefix) */
        uint8_t proof;                  /* ProtoProof */
} ProtoHostReached;

typedef struct ProtoHostLost {
        uint64_t txn;
        ip_addr address;                /* a host address (full prefix) */
        char reason[PROTO_TEXT_MAX + 1];
} ProtoHostLost;

typedef struct ProtoPing {
        uint64_t token;
} ProtoPing;

typedef struct ProtoAck {
        uint32_t seq;
} ProtoAck;

typedef struct ProtoMessage {
        ProtoType type;
        uint8_t version;                /* of the frame; 0 on encode = PROTO_VERSION_MAX. Encode
                                         * omits the fields of later versions; decode skips
                                         * them in a frame of an earlier version. */
        uint8_t flags;
        uint32_t seq;
        union {
                ProtoAck ack;
                ProtoGuestHello guest_hello;
                ProtoAddresses addresses;
                ProtoHeartbeat heartbeat;
                ProtoTxn txn;
                ProtoErrorMsg error;
                ProtoHostHello host_hello;
                ProtoHostReached host_reached;
                ProtoHostLost host_lost;
                ProtoPing ping;
        };
} ProtoMessage;

const char *proto_type_to_string(ProtoType t);
const char *proto_oper_state_to_string(ProtoOperState s);
const char *proto_txn_state_to_string(ProtoTxnState s);
const char *proto_proof_to_string(ProtoProof p);

/* Whether the sender of this type must request an ACK and keep it until acknowledged. */
bool proto_type_needs_ack(ProtoType t);

/* Decodes the payload of a frame of the given type. 0 with *ret filled (free it with
 * proto_message_done()), a ProtoError (BAD_TYPE for a type this version does not know: skip
 * the frame), or -ENOMEM. *ret is untouched on failure. Unknown fields are skipped. */
int proto_message_decode_payload(uint16_t type, const uint8_t *payload, size_t size, ProtoMessage *ret);
/* The same, knowing only the fields up to the given version (as for a frame of that
 * version; 0 = PROTO_VERSION_MAX). */
int proto_message_decode_payload_version(uint16_t type, uint8_t version, const uint8_t *payload, size_t size,
                                         ProtoMessage *ret);
int proto_message_decode(const ProtoFrame *frame, ProtoMessage *ret);

/* Encodes m as one frame into buf. Returns the frame size, -EINVAL if m breaks a limit of
 * this file (we never send what we would refuse), -E2BIG if it exceeds PROTO_FRAME_MAX,
 * -ENOBUFS if buf is too small (PROTO_FRAME_MAX always suffices). */
int proto_message_encode(const ProtoMessage *m, uint8_t *buf, size_t size);

/* Frees what decode allocated; safe on a zeroed or already freed message. */
void proto_message_done(ProtoMessage *m);

/* Picks the highest version both ranges contain: 0 and *ret, or PROTO_E_BAD_VERSION. */
int proto_version_negotiate(uint16_t our_min, uint16_t our_max, uint16_t peer_min, uint16_t peer_max,
                            uint16_t *ret);
