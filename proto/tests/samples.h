/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/message.h"

/* The messages behind the test vectors of PROTOCOL.md: the generator encodes them, the
 * tests check that the document holds exactly these encodings. */
typedef struct Sample {
        const char *name;
        const char *title;
        /* Either a message to encode, or a raw builder for what this version cannot encode
         * (frames from a "future" version). */
        const ProtoMessage *message;
        int (*build)(uint8_t *buf, size_t size);
} Sample;

extern const Sample samples[];
extern const size_t n_samples;

const Sample *sample_find(const char *name);

/* Encodes a sample into buf: the frame size or a negative errno. */
int sample_encode(const Sample *s, uint8_t *buf, size_t size);
