/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A stand-in for the guest agent in the lab (the real daemon is another issue's): runs in
 * the guest, opens the virtio-serial port, says HELLO, sends a snapshot of IFNAME's
 * addresses whenever they change (polled every 50 ms), answers HOST_HELLO, and ACKs and
 * records each HOST_REACHED ("ADDR" lines in reached_file, "ADDR txn=N" when it names a
 * transaction) and each HOST_LOST naming one ("LOST ADDR txn=N"). When STOP_FILE.txn appears
 * holding "ID STATE", sends TXN (ProtoTxnState STATE) and removes the file. Ends when
 * stop_file exists or after max_sec. Speaks only through proto's encoder and reader. */
int guest_agent_sim_run(const char *port, const char *ifname, const char *reached_file, const char *stop_file,
                        unsigned max_sec);
