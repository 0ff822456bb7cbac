/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file-read.h"
#include "common/macro.h"

int read_file_bounded(const char *path, size_t max, read_file_flags flags, char **ret, size_t *ret_size,
                      struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;

        /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | ((flags & READ_FILE_FOLLOW) ? 0 : O_NOFOLLOW));
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;

        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (got == (size_t) st.st_size) {
                        char probe;

                        /* the file may have grown since fstat: one more byte tells */
                        k = read(fd, &probe, 1);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return -errno;
                        if (k > 0)
                                return (uint64_t) st.st_size + 1 > max ? -EFBIG : -EAGAIN;
                        break;
                }
                k = read(fd, buf + got, (size_t) st.st_size - got);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                got += (size_t) k;
        }
        buf[got] = 0;
        if (ret_st)
                *ret_st = st;
        if (ret_size)
                *ret_size = got;
        *ret = TAKE_PTR(buf);
        return 0;
}
