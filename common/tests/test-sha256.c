/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/sha256.h"

static void check(const void *data, size_t size, const char *want) {
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE];

        sha256(data, size, d);
        sha256_to_hex(d, hex);
        assert_string_equal(hex, want);
}

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf", SHA2 additional vectors). */
static void test_nist_vectors(void **state) {
        (void) state;
        check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
              112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
        check("\xbd", 1, "68325720aabd7c82f30f554b313d0570c95accbb7dc4b5aae11204c08ffe732b");
        check("\xc9\x8c\x8e\x55", 4, "7abc22c0ae5af26ce93dbb94433a0e0b2e119d014f8e7f65bd56c61ccccd9504");
}

static void test_million_a(void **state) {
        sha256_ctx c;
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE], chunk[1000];

        (void) state;
        memset(chunk, 'a', sizeof chunk);
        sha256_init(&c);
        for (unsigned i = 0; i < 1000; i++)
                sha256_update(&c, chunk, sizeof chunk);
        sha256_final(&c, d);
        sha256_to_hex(d, hex);
        assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Pieces of every size give the one-shot digest: the buffering is exercised at each
 * boundary of a 64-byte block, including the padding's 55/56-byte edge. */
static void test_split_updates(void **state) {
        uint8_t data[300], one[SHA256_DIGEST_SIZE], pieces[SHA256_DIGEST_SIZE];

        (void) state;
        for (size_t i = 0; i < sizeof data; i++)
                data[i] = (uint8_t) (i * 7 + 3);
        for (size_t len = 0; len <= sizeof data; len++) {
                sha256(data, len, one);
                for (size_t step = 1; step <= 65; step += 8) {
                        sha256_ctx c;

                        sha256_init(&c);
                        for (size_t off = 0; off < len; off += step)
                                sha256_update(&c, data + off, len - off < step ? len - off : step);
                        sha256_final(&c, pieces);
                        assert_memory_equal(one, pieces, sizeof one);
                }
        }
}

static void test_hex(void **state) {
        uint8_t d[SHA256_DIGEST_SIZE], back[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE];

        (void) state;
        sha256("abc", 3, d);
        sha256_to_hex(d, hex);
        assert_int_equal(sha256_from_hex(hex, back), 0);
        assert_memory_equal(d, back, sizeof d);
        assert_int_equal(sha256_from_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", back), 0);
        assert_memory_equal(d, back, sizeof d);
        assert_int_equal(sha256_from_hex("ba78", back), -EINVAL);
        assert_int_equal(sha256_from_hex("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", back), -EINVAL);
        assert_int_equal(sha256_from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", back), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nist_vectors),
                cmocka_unit_test(test_million_a),
                cmocka_unit_test(test_split_updates),
                cmocka_unit_test(test_hex),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
