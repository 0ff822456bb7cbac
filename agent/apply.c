/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "agent/apply.h"
#include "agent/live.h"
#include "agent/rtnl.h"
#include "common/ether-addr.h"
#include "common/file-read.h"
#include "common/log.h"

#define NETWORKD_BUS "org.freedesktop.network1"
/* What `netplan generate` runs (netplan 0.106: utils.get_generator_path()). */
#define APPLY_NETPLAN_GENERATOR "/usr/lib/netplan/generate"
#define NETWORKD_PATH "/org/freedesktop/network1"
#define NETWORKD_MANAGER "org.freedesktop.network1.Manager"

struct apply {
        sd_event *event;
        apply_done_fn done;
        void *userdata;
        agent_apply_mode mode;
        uint64_t deadline_usec;         /* CLOCK_MONOTONIC */

        pid_t pid;
        int out_fd;
        sd_event_source *child_src, *out_src, *timer_src;
        bool timed_out;
        char output[APPLY_OUTPUT_MAX + 1];
        size_t n_output, dropped;

        /* networkd */
        char *bus_address;
        sd_bus *bus;
        sd_bus_slot *call;
        int *ifindexes;
        size_t n_ifindexes, next_link;
        char *root;
        apply_rename renames[APPLY_MAX_RENAMES];
        size_t n_renames;
        char detail[512];
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

const char *apply_output(const apply *a, size_t *ret_dropped) {
        if (ret_dropped)
                *ret_dropped = a->dropped;
        return a->output;
}

static void drain(apply *a) {
        char buf[4096];

        while (a->out_fd >= 0) {
                ssize_t n = read(a->out_fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (n == 0 || errno != EAGAIN) {
                                a->out_src = sd_event_source_disable_unref(a->out_src);
                                close(a->out_fd);
                                a->out_fd = -EBADF;
                        }
                        return;
                }
                size_t keep = (size_t) n;
                if (keep > APPLY_OUTPUT_MAX - a->n_output)
                        keep = APPLY_OUTPUT_MAX - a->n_output;
                memcpy(a->output + a->n_output, buf, keep);
                a->n_output += keep;
                a->output[a->n_output] = 0;
                a->dropped += (size_t) n - keep;
        }
}

static void stop_child(apply *a) {
        a->child_src = sd_event_source_disable_unref(a->child_src);
        if (a->pid > 0) {
                (void) kill(a->pid, SIGKILL);
                (void) waitpid(a->pid, NULL, 0);
                a->pid = 0;
        }
}

/* Reports once and leaves nothing running. */
static void finish(apply *a, int r, const char *detail) {
        apply_done_fn done = a->done;

        a->done = NULL;
        a->timer_src = sd_event_source_disable_unref(a->timer_src);
        a->call = sd_bus_slot_unref(a->call);
        stop_child(a);
        if (done)
                done(a, r, detail, a->userdata);
}

/* The first line of the output, for the detail. */
static void first_line(const apply *a, char *buf, size_t size) {
        size_t n = strcspn(a->output, "\n");

        if (n >= size)
                n = size - 1;
        memcpy(buf, a->output, n);
        buf[n] = 0;
}

static void reconfigure_next(apply *a);

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        apply *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        char name[IF_NAMESIZE];

        a->call = sd_bus_slot_unref(a->call);
        if (e) {
                int link = a->next_link > 0 ? a->ifindexes[a->next_link - 1] : 0;

                /* A link the candidate's links replaced, or deleted meanwhile: nothing to do. */
                if (link > 0 && !if_indextoname((unsigned) link, name)) {
                        log_debug("link %d is gone, not reconfigured", link);
                } else {
                        snprintf(a->detail, sizeof(a->detail), "networkd %s: %s",
                                 link > 0 ? "ReconfigureLink" : "Reload", e->message ? e->message : e->name);
                        finish(a, -sd_bus_message_get_errno(m) ?: -EIO, a->detail);
                        return 0;
                }
        }
        reconfigure_next(a);
        return 0;
}

static void reconfigure_next(apply *a) {
        uint64_t now = now_usec(), left = a->deadline_usec > now ? a->deadline_usec - now : 1;
        int r;

        if (a->next_link >= a->n_ifindexes) {
                snprintf(a->detail, sizeof(a->detail), "networkd reloaded, %zu link%s reconfigured", a->n_ifindexes,
                         a->n_ifindexes == 1 ? "" : "s");
                finish(a, 0, a->detail);
                return;
        }
        r = sd_bus_call_method_async(a->bus, &a->call, NETWORKD_BUS, NETWORKD_PATH, NETWORKD_MANAGER,
                                     "ReconfigureLink", on_reply, a, "i", a->ifindexes[a->next_link]);
        a->next_link++;
        if (r >= 0)
                r = sd_bus_slot_set_floating(a->call, false);
        (void) left;
        if (r < 0) {
                snprintf(a->detail, sizeof(a->detail), "networkd ReconfigureLink: %s", strerror(-r));
                finish(a, r, a->detail);
        }
}

const apply_rename *apply_renames(const apply *a, size_t *ret_n) {
        *ret_n = a->n_renames;
        return a->renames;
}

static bool link_name_ok(const char *s, size_t n) {
        if (n == 0 || n >= IF_NAMESIZE || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] == '/' || s[i] == ':' || s[i] == '>' || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                    (unsigned char) s[i] < 0x20)
                        return false;
        return true;
}

int apply_renames_parse(const char *list, apply_rename *ret, size_t max, size_t *ret_n) {
        size_t n = 0;
        const char *p = list ? list : "";

        while (*p) {
                const char *end, *gt;

                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                end = strchrnul(p, ' ');
                gt = memchr(p, '>', (size_t) (end - p));
                if (!gt || !link_name_ok(p, (size_t) (gt - p)) || !link_name_ok(gt + 1, (size_t) (end - gt - 1)))
                        return -EINVAL;
                if (n >= max)
                        return -E2BIG;
                ret[n] = (apply_rename) {};
                memcpy(ret[n].from, p, (size_t) (gt - p));
                memcpy(ret[n].to, gt + 1, (size_t) (end - gt - 1));
                n++;
                p = end;
        }
        *ret_n = n;
        return 0;
}

int apply_rename_link(int ifindex, const char *name) {
        _cleanup_close_ int fd = rtnl_open();
        int r;

        if (fd < 0)
                return fd;
        /* The kernel renames only a link that is down. */
        r = rtnl_link_set_up(fd, ifindex, false);
        if (r >= 0)
                r = rtnl_link_set_name(fd, ifindex, name);
        if (r >= 0)
                r = rtnl_link_set_up(fd, ifindex, true);
        return r;
}

/* "Key=value" of a small systemd unit file, the first one; NULL if absent. */
static char *unit_value(const char *text, const char *key) {
        size_t k = strlen(key);

        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, key, k) == 0 && p[k] == '=')
                        return strndup(p + k + 1, strcspn(p + k + 1, "\n"));
        return NULL;
}

static void rename_links(apply *a) {
        _cleanup_(live_state_freep) live_state *live = NULL;
        _cleanup_free_ char *dir = NULL;
        DIR *d;
        struct dirent *de;

        if (asprintf(&dir, "%s/run/systemd/network", a->root && strcmp(a->root, "/") ? a->root : "") < 0)
                return;
        d = opendir(dir);
        if (!d)
                return;
        if (live_state_read(&live) < 0) {
                closedir(d);
                return;
        }
        while ((de = readdir(d)) && a->n_renames < APPLY_MAX_RENAMES) {
                _cleanup_free_ char *path = NULL, *text = NULL, *want = NULL, *orig = NULL, *mac = NULL;
                uint8_t m[6];
                size_t n = 0;

                if (strncmp(de->d_name, "10-netplan-", 11) != 0 || !strstr(de->d_name, ".link"))
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0 ||
                    read_file_bounded(path, 64 * 1024, 0, &text, &n, NULL) < 0)
                        continue;
                want = unit_value(text, "Name");
                orig = unit_value(text, "OriginalName");
                mac = unit_value(text, "PermanentMACAddress");
                if (!want || (!orig && !mac) || strlen(want) >= IF_NAMESIZE ||
                    (mac && ether_addr_from_string(mac, m) < 0))
                        continue;
                for (size_t i = 0; i < live->n_links; i++) {
                        const live_link *l = &live->links[i];
                        const uint8_t *have = l->has_perm_mac ? l->perm_mac : l->has_mac ? l->mac : NULL;
                        apply_rename *rn;
                        int r;

                        if ((l->flags & IFF_LOOPBACK) || strcmp(l->name, want) == 0)
                                continue;
                        if (orig && fnmatch(orig, l->name, 0) != 0)
                                continue;
                        if (mac && (!have || memcmp(have, m, 6) != 0))
                                continue;
                        r = apply_rename_link(l->ifindex, want);
                        if (r < 0) {
                                log_warning_errno(r, "cannot rename %s to %s (%s): %m", l->name, want, de->d_name);
                                break;
                        }
                        log_info("renamed %s to %s (%s)", l->name, want, de->d_name);
                        rn = &a->renames[a->n_renames++];
                        rn->ifindex = l->ifindex;
                        snprintf(rn->from, sizeof(rn->from), "%s", l->name);
                        snprintf(rn->to, sizeof(rn->to), "%s", want);
                        break;
                }
        }
        closedir(d);
}

static int start_networkd(apply *a) {
        int r;

        rename_links(a);

        if (a->bus_address) {
                r = sd_bus_new(&a->bus);
                if (r >= 0)
                        r = sd_bus_set_address(a->bus, a->bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(a->bus, true);
                if (r >= 0)
                        r = sd_bus_start(a->bus);
        } else
                r = sd_bus_open_system(&a->bus);
        if (r >= 0)
                r = sd_bus_attach_event(a->bus, a->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_call_method_async(a->bus, &a->call, NETWORKD_BUS, NETWORKD_PATH, NETWORKD_MANAGER,
                                             "Reload", on_reply, a, "");
        return r;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        apply *a = userdata;
        char line[256];
        int r;

        a->child_src = sd_event_source_disable_unref(a->child_src);
        a->pid = 0;             /* reaped by sd-event */
        drain(a);
        first_line(a, line, sizeof(line));
        if (a->timed_out) {
                snprintf(a->detail, sizeof(a->detail), "killed after the timeout%s%s", line[0] ? ": " : "", line);
                finish(a, -ETIME, a->detail);
                return 0;
        }
        if (si->si_code != CLD_EXITED || si->si_status != 0) {
                /* 127: the exec failed (the child says so on its output). */
                int err = si->si_code == CLD_EXITED && si->si_status == 127 ? -ENOENT : -ECHILD;

                snprintf(a->detail, sizeof(a->detail), "%s %d%s%s",
                         si->si_code == CLD_EXITED ? "exit status" : "killed by signal", si->si_status,
                         line[0] ? ": " : "", line);
                finish(a, err, a->detail);
                return 0;
        }
        if (a->mode != AGENT_APPLY_NETWORKD) {
                snprintf(a->detail, sizeof(a->detail), "exit status 0");
                finish(a, 0, a->detail);
                return 0;
        }
        r = start_networkd(a);
        if (r < 0) {
                snprintf(a->detail, sizeof(a->detail), "cannot call networkd over the system bus: %s", strerror(-r));
                finish(a, r, a->detail);
        }
        return 0;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        drain(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        apply *a = userdata;

        a->timer_src = sd_event_source_disable_unref(a->timer_src);
        if (a->pid > 0) {
                /* on_child reports once the kernel has it dead. */
                a->timed_out = true;
                (void) kill(a->pid, SIGKILL);
                return 0;
        }
        snprintf(a->detail, sizeof(a->detail), "networkd did not answer within the timeout");
        finish(a, -ETIME, a->detail);
        return 0;
}

static int spawn(apply *a, char *const *argv) {
        int pipefd[2], r;
        pid_t pid;

        /* Only our end is non-blocking: a child writing to a full pipe must wait, not fail. */
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        if (fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0) {
                r = negative_errno();
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                sigset_t all;
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

                sigemptyset(&all);
                (void) sigprocmask(SIG_SETMASK, &all, NULL);
                if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0)
                        _exit(127);
                /* Its own process group: nothing it starts outlives a kill of the group. */
                (void) setpgid(0, 0);
                execvp(argv[0], argv);
                dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);
        a->pid = pid;
        a->out_fd = pipefd[0];
        r = sd_event_add_child(a->event, &a->child_src, pid, WEXITED, on_child, a);
        if (r < 0)
                return r;
        return sd_event_add_io(a->event, &a->out_src, a->out_fd, EPOLLIN, on_output, a);
}

apply *apply_free(apply *a) {
        if (!a)
                return NULL;
        a->done = NULL;
        a->timer_src = sd_event_source_disable_unref(a->timer_src);
        stop_child(a);
        a->out_src = sd_event_source_disable_unref(a->out_src);
        if (a->out_fd >= 0)
                close(a->out_fd);
        sd_bus_slot_unref(a->call);
        sd_bus_flush_close_unref(a->bus);
        sd_event_unref(a->event);
        free(a->bus_address);
        free(a->ifindexes);
        free(a->root);
        free(a);
        return NULL;
}

int apply_start(sd_event *event, const apply_request *req, apply_done_fn done, void *userdata, apply **ret) {
        _cleanup_(apply_freep) apply *a = NULL;
        char *argv_netplan[] = { (char *) "netplan", (char *) "apply", NULL };
        char *argv_generate[] = { (char *) "netplan", (char *) "generate", (char *) "--root-dir", NULL, NULL };
        char *const *argv;
        sigset_t ss;
        int r;

        if (req->n_ifindexes > APPLY_MAX_LINKS)
                return -E2BIG;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->out_fd = -EBADF;
        a->event = sd_event_ref(event);
        a->done = done;
        a->userdata = userdata;
        a->mode = req->mode;
        a->deadline_usec = now_usec() + (req->timeout_usec ? req->timeout_usec : APPLY_TIMEOUT_DEFAULT_USEC);
        if (req->root) {
                a->root = strdup(req->root);
                if (!a->root)
                        return -ENOMEM;
        }
        if (req->bus_address) {
                a->bus_address = strdup(req->bus_address);
                if (!a->bus_address)
                        return -ENOMEM;
        }
        if (req->n_ifindexes > 0) {
                a->ifindexes = calloc(req->n_ifindexes, sizeof(int));
                if (!a->ifindexes)
                        return -ENOMEM;
                memcpy(a->ifindexes, req->ifindexes, req->n_ifindexes * sizeof(int));
                a->n_ifindexes = req->n_ifindexes;
        }

        switch (req->mode) {
        case AGENT_APPLY_NETPLAN:
                argv = argv_netplan;
                break;
        case AGENT_APPLY_NETWORKD:
                /* `netplan generate` only execs netplan's generator; calling it directly
                 * spares a Python start on every apply and every rollback. */
                if (access(APPLY_NETPLAN_GENERATOR, X_OK) == 0) {
                        argv_generate[0] = (char *) APPLY_NETPLAN_GENERATOR;
                        argv_generate[1] = (char *) "--root-dir";
                        argv_generate[2] = (char *) (req->root && *req->root ? req->root : "/");
                        argv_generate[3] = NULL;
                        argv = argv_generate;
                        break;
                }
                if (req->root && strcmp(req->root, "/") != 0)
                        argv_generate[3] = (char *) req->root;
                else
                        argv_generate[2] = NULL;
                argv = argv_generate;
                break;
        case AGENT_APPLY_COMMAND:
                argv = req->argv;
                if (!argv || !argv[0])
                        return -EINVAL;
                break;
        case _AGENT_APPLY_MODE_MAX:
        case _AGENT_APPLY_MODE_INVALID:
        default:
                return -EINVAL;
        }

        /* sd-event reaps through SIGCHLD, which must be blocked. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return negative_errno();
        r = sd_event_add_time(event, &a->timer_src, CLOCK_MONOTONIC, a->deadline_usec, 0, on_timer, a);
        if (r < 0)
                return r;
        r = spawn(a, argv);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(a);
        return 0;
}
