/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The catalogue of `netguard check` rules: id, name, default severity and the text
 * `netguard check --explain NGnnn` prints. */

#include <errno.h>

typedef enum rule_id {
        RULE_MANAGEMENT_UNMATCHED,       /* NG001 */
        RULE_MANAGEMENT_UNADDRESSED,     /* NG002 */
        RULE_MANAGEMENT_ADDRESS_MOVES,   /* NG003 */
        RULE_MANAGEMENT_DOWN,            /* NG004 */
        RULE_MANAGEMENT_ENSLAVED,        /* NG005 */
        RULE_HOST_UNREACHABLE,           /* NG006 */
        RULE_MANAGEMENT_RENAMED,         /* NG007 */
        RULE_DHCP_IDENTITY_CHANGES,      /* NG008 */
        RULE_MANAGEMENT_UNRENDERED,      /* NG009 */
        RULE_MANAGEMENT_MAC_CHANGES,     /* NG010 */
        _RULE_ID_MAX,
        _RULE_ID_INVALID = -EINVAL,
} rule_id;

typedef enum rule_severity {
        RULE_SEVERITY_ERROR,    /* refuses the change (exit 1) */
        RULE_SEVERITY_WARNING,  /* printed, the change is still safe (exit 0) */
        _RULE_SEVERITY_MAX,
        _RULE_SEVERITY_INVALID = -EINVAL,
} rule_severity;

typedef struct rule_info {
        const char *code;        /* "NG001" */
        const char *name;        /* "management-unmatched" */
        rule_severity severity;
        const char *summary;     /* one line */
        const char *explanation; /* paragraphs for --explain */
} rule_info;

const rule_info *rule_get(rule_id id);
/* Accepts "NG001", "ng001" or the name; _RULE_ID_INVALID if unknown. */
rule_id rule_from_string(const char *s);
const char *rule_severity_to_string(rule_severity s);
