/* harc host harness (native gcc): host_main <in> <out> [report].
 * Same file formats as target_main.c; no stack measurement on the host. */
#include <stdint.h>
#include <stdio.h>
#include "markers.h"
#define HARC_HARNESS 1 /* model.h defines the HARC_MODEL_* glue only for harnesses */
#include "model.h"

static uint8_t harc_in_buf[HARC_MODEL_INPUT_BYTES] __attribute__((aligned(8)));
static uint8_t harc_out_buf[HARC_MODEL_OUTPUT_BYTES] __attribute__((aligned(8)));

int main(int argc, char **argv)
{
    FILE *fin, *fout;
    unsigned long n = 0;
    size_t got;

    if (argc < 3) {
        fprintf(stderr, "usage: %s <input.bin> <output.bin> [report.txt]\n", argv[0]);
        return 2;
    }
    fin = fopen(argv[1], "rb");
    if (fin == NULL) {
        perror(argv[1]);
        return 10;
    }
    fout = fopen(argv[2], "wb");
    if (fout == NULL) {
        perror(argv[2]);
        return 12;
    }
    for (;;) {
        int rc;
        got = fread(harc_in_buf, 1, sizeof harc_in_buf, fin);
        if (got == 0) {
            break;
        }
        if (got != sizeof harc_in_buf) {
            fprintf(stderr, "harc: input size is not a multiple of %d\n", HARC_MODEL_INPUT_BYTES);
            return 11;
        }
#if defined(HARC_MODEL_RESET) && !defined(HARC_STREAM)
        /* stateful model: every inference from the zero state unless built with -DHARC_STREAM */
        HARC_MODEL_RESET();
#endif
        harc_inference_begin();
        rc = HARC_MODEL_INVOKE(harc_in_buf, harc_out_buf);
        harc_inference_end();
        if (rc != 0) {
            fprintf(stderr, "harc: model invoke failed (%d)\n", rc);
            return 14;
        }
        if (fwrite(harc_out_buf, 1, sizeof harc_out_buf, fout) != sizeof harc_out_buf) {
            return 15;
        }
        ++n;
    }
    fclose(fin);
    if (fclose(fout) != 0) {
        return 15;
    }
    if (argc > 3) {
        FILE *rep = fopen(argv[3], "w");
        if (rep == NULL) {
            return 16;
        }
        fprintf(rep, "inferences %lu\n", n);
        fclose(rep);
    }
    return 0;
}
