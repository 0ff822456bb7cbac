/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: adding diagnostics (np_diag_list and its formatting are in netplan.h). */

#include <stdarg.h>

#include "netplan/netplan.h"

int np_diag_add(np_diag_list *l, np_severity sev, np_diag_kind kind, np_pos pos,
                const char *source_line, const char *newer_version, const char *fmt, ...)
                _printf_(7, 8);
int np_diag_addv(np_diag_list *l, np_severity sev, np_diag_kind kind, np_pos pos,
                 const char *source_line, const char *newer_version, const char *fmt, va_list ap)
                 _printf_(7, 0);
