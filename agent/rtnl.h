/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* rtnetlink requests on a socket of our own, without libnl: a dump whose messages are
 * handed to a callback, and a request whose acknowledgement says whether it worked.
 * Nothing is cached: every call asks the kernel. */

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns 0 to go on, a negative errno to stop the dump (it is drained, then returned). */
typedef int (*rtnl_message_fn)(const struct nlmsghdr *h, void *userdata);

/* A blocking NETLINK_ROUTE socket (close it with close()), or a negative errno. */
int rtnl_open(void);

/* Sends type (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH) with NLM_F_DUMP and
 * the family header hdr, and calls f for each reply message of that kind. -EAGAIN when
 * the kernel says the dump was interrupted by a change (NLM_F_DUMP_INTR): read again. */
int rtnl_dump(int fd, uint16_t type, const void *hdr, size_t hdr_size, rtnl_message_fn f, void *userdata);

/* Sends the request in buf (a complete message; flags get NLM_F_REQUEST|NLM_F_ACK, the
 * sequence number is set) and returns the kernel's answer: 0 or its negative errno. */
int rtnl_call(int fd, struct nlmsghdr *req);

/* Appends attribute type with size bytes of data to the message in a buffer of buf_size
 * bytes; -ENOBUFS when it does not fit. */
int rtnl_append_attr(struct nlmsghdr *h, size_t buf_size, uint16_t type, const void *data, size_t size);

/* Index the attributes in [rta, rta + len) by type into tb[0..max] (later ones win, as
 * the kernel's own parser does; unknown types above max are left out). */
void rtnl_parse_attrs(const struct rtattr **tb, unsigned max, const struct rtattr *rta, size_t len);

/* Link changes by ifindex; set_name needs the link down. 0 or the kernel's negative errno. */
int rtnl_link_set_up(int fd, int ifindex, bool up);
int rtnl_link_set_name(int fd, int ifindex, const char *name);
/* Deletes the link called name: 0, -ENODEV when there is none, or another negative errno. */
int rtnl_link_delete(int fd, const char *name);

/* The NUD_* state of the neighbour entry for addr (family's size) on ifindex: 0 and
 * *ret_state, or -ENOENT when the table has no such entry. */
int rtnl_neigh_state(int fd, int family, const void *addr, int ifindex, uint16_t *ret_state);
