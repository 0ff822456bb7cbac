/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The least an sd-event service costs on the guest: libsystemd's loop, its signals,
 * READY=1 and the watchdog, and nothing else. bench/agent-qemu runs it beside the agents
 * so the agent's RSS reads against the floor every such daemon pays (libc, libsystemd and
 * what libsystemd itself loads), not against zero. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

int main(void) {
        sd_event *e = NULL;
        sigset_t ss;
        int r;

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return 1;
        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_set_watchdog(e, true);
        if (r < 0) {
                fprintf(stderr, "agent-floor: %s\n", strerror(-r));
                return 1;
        }
        (void) sd_notify(false, "READY=1");
        r = sd_event_loop(e);
        sd_event_unref(e);
        return r < 0;
}
