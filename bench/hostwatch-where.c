/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostwatch-where: how fast netguard-hostwatch answers "where is vmI?" over D-Bus, as
 * `netguard-hostwatch where` asks it (GetMachine), from one connection, one call at a
 * time, names spread over vm0..vm(N-1). Prints p50/p99/max in µs. A figure, never a
 * pass/fail.   usage: hostwatch-where N [CALLS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
        sd_bus *bus = NULL;
        unsigned n, calls, failed = 0;
        uint64_t *lat;
        int r;

        if (argc < 2) {
                fprintf(stderr, "usage: hostwatch-where N [CALLS]\n");
                return 2;
        }
        n = (unsigned) atoi(argv[1]);
        calls = argc > 2 ? (unsigned) atoi(argv[2]) : 2000;
        if (n == 0 || calls == 0)
                return 2;
        lat = calloc(calls, sizeof *lat);
        r = sd_bus_open_system(&bus);
        if (!lat || r < 0) {
                fprintf(stderr, "cannot connect to the bus: %s\n", strerror(-r));
                return 1;
        }
        srand(1);
        for (unsigned i = 0; i < calls; i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                char name[32];
                uint64_t t;

                snprintf(name, sizeof name, "vm%u", (unsigned) rand() % n);
                t = now_ns();
                r = sd_bus_call_method(bus, "io.netguard.HostWatch1", "/io/netguard/HostWatch1",
                                       "io.netguard.HostWatch1", "GetMachine", &e, &reply, "s", name);
                lat[i] = now_ns() - t;
                if (r < 0)
                        failed++;
                sd_bus_message_unref(reply);
                sd_bus_error_free(&e);
        }
        qsort(lat, calls, sizeof *lat, cmp);
        printf("where (GetMachine over D-Bus, %u machines, %u calls, %u failed): p50 %.0f us  p99 %.0f us  max %.0f us\n",
               n, calls, failed, lat[calls / 2] / 1e3, lat[calls * 99 / 100] / 1e3, lat[calls - 1] / 1e3);
        sd_bus_flush_close_unref(bus);
        free(lat);
        return failed ? 1 : 0;
}
