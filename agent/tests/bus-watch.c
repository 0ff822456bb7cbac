/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-watch: prints each io.netguard.Agent1.Reported signal on the system bus as
 * "Reported N", for agent-lab; exits after SECONDS.   bus-watch SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <time.h>

static int on_reported(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        uint32_t n;

        if (sd_bus_message_read(m, "u", &n) >= 0) {
                printf("Reported %u\n", n);
                fflush(stdout);
        }
        return 0;
}

int main(int argc, char *argv[]) {
        sd_bus *bus = NULL;
        time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 5);
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return fprintf(stderr, "bus-watch: no system bus\n"), 1;
        r = sd_bus_match_signal(bus, NULL, NULL, "/io/netguard/Agent1", "io.netguard.Agent1", "Reported", on_reported,
                                NULL);
        if (r < 0)
                return fprintf(stderr, "bus-watch: cannot add the match\n"), 1;
        printf("WATCHING\n");
        fflush(stdout);
        while (time(NULL) < end) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                if (r == 0)
                        (void) sd_bus_wait(bus, 200 * 1000);
        }
        sd_bus_flush_close_unref(bus);
        return 0;
}
