/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETHER_ADDR_LEN_BYTES 6
/* "aa:bb:cc:dd:ee:ff" and its NUL */
#define ETHER_ADDR_STRLEN 18

/* "aa:bb:cc:dd:ee:ff" (either case) into 6 bytes; -EINVAL otherwise, *ret untouched. */
int ether_addr_from_string(const char *s, uint8_t ret[static ETHER_ADDR_LEN_BYTES]);
/* Lower case, colon-separated; returns buf. */
char *ether_addr_to_string(const uint8_t mac[static ETHER_ADDR_LEN_BYTES], char buf[static ETHER_ADDR_STRLEN]);
bool ether_addr_is_zero(const uint8_t mac[static ETHER_ADDR_LEN_BYTES]);
