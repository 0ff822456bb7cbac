/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF),
 * the checksum of iSCSI, ext4 and SCTP. Uses the SSE4.2 instruction when the CPU has it. */
uint32_t proto_crc32c(const void *data, size_t size);

/* Continues a CRC: crc32c(a||b) == proto_crc32c_extend(proto_crc32c(a), b). */
uint32_t proto_crc32c_extend(uint32_t crc, const void *data, size_t size);

/* The portable table-driven version, exposed so tests can compare both paths. */
uint32_t proto_crc32c_extend_sw(uint32_t crc, const void *data, size_t size);
