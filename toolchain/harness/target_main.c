/* harc target harness (Cortex-M4 and RV32 under QEMU with semihosting).
 * Reads N inferences of HARC_MODEL_INPUT_BYTES from HARC_IN_PATH (relative
 * to QEMU's working directory), runs HARC_MODEL_INVOKE on each, writes the
 * outputs back to back to HARC_OUT_PATH and a small report (inference count,
 * peak stack bytes, stack size) to HARC_REPORT_PATH. The exit status is the
 * process exit status of QEMU: 0 = ok. */
#include <stdint.h>
#include "harc_target.h"
#include "markers.h"
#define HARC_HARNESS 1 /* model.h defines the HARC_MODEL_* glue only for harnesses */
#include "model.h"

#ifndef HARC_IN_PATH
#define HARC_IN_PATH "harc_in.bin"
#endif
#ifndef HARC_OUT_PATH
#define HARC_OUT_PATH "harc_out.bin"
#endif
#ifndef HARC_REPORT_PATH
#define HARC_REPORT_PATH "harc_report.txt"
#endif

enum {
    HARC_ERR_OPEN_IN = 10,
    HARC_ERR_INPUT_SIZE = 11,
    HARC_ERR_OPEN_OUT = 12,
    HARC_ERR_READ = 13,
    HARC_ERR_INVOKE = 14,
    HARC_ERR_WRITE = 15,
    HARC_ERR_REPORT = 16,
    HARC_ERR_GUARD = 17
};

static uint8_t harc_in_buf[HARC_MODEL_INPUT_BYTES] __attribute__((aligned(8)));
static uint8_t harc_out_buf[HARC_MODEL_OUTPUT_BYTES] __attribute__((aligned(8)));

static char *put_line(char *p, const char *key, uint32_t value)
{
    char digits[12];
    int n = 0;
    while (*key != '\0') {
        *p++ = *key++;
    }
    *p++ = ' ';
    do {
        digits[n++] = (char)('0' + (value % 10u));
        value /= 10u;
    } while (value != 0u);
    while (n > 0) {
        *p++ = digits[--n];
    }
    *p++ = '\n';
    return p;
}

static int write_report(uint32_t inferences, uint32_t stack_peak)
{
    char text[128];
    char *p = text;
    int fd;
    p = put_line(p, "inferences", inferences);
    p = put_line(p, "stack_peak_bytes", stack_peak);
    p = put_line(p, "stack_size_bytes", harc_stack_size());
    fd = harc_sh_open(HARC_REPORT_PATH, HARC_OPEN_WB);
    if (fd < 0) {
        return HARC_ERR_REPORT;
    }
    if (harc_sh_write(fd, text, (size_t)(p - text)) != 0) {
        return HARC_ERR_REPORT;
    }
    harc_sh_close(fd);
    return 0;
}

int main(void)
{
    long len;
    uint32_t n, i;
    int fin, fout;

    fin = harc_sh_open(HARC_IN_PATH, HARC_OPEN_RB);
    if (fin < 0) {
        harc_sh_write0("harc: cannot open input file\n");
        return HARC_ERR_OPEN_IN;
    }
    len = harc_sh_flen(fin);
    if (len < 0 || (len % HARC_MODEL_INPUT_BYTES) != 0) {
        harc_sh_write0("harc: input size is not a multiple of HARC_MODEL_INPUT_BYTES\n");
        return HARC_ERR_INPUT_SIZE;
    }
    n = (uint32_t)(len / HARC_MODEL_INPUT_BYTES);
    fout = harc_sh_open(HARC_OUT_PATH, HARC_OPEN_WB);
    if (fout < 0) {
        harc_sh_write0("harc: cannot open output file\n");
        return HARC_ERR_OPEN_OUT;
    }
#ifdef HARC_GUARD
    /* model built with -DHARC_GUARD: pattern around the arena, checked after all inferences */
    harc_guard_fill();
#endif
    for (i = 0; i < n; ++i) {
        int rc;
        if (harc_sh_read(fin, harc_in_buf, sizeof harc_in_buf) != 0) {
            return HARC_ERR_READ;
        }
#if defined(HARC_MODEL_RESET) && !defined(HARC_STREAM)
        /* stateful model: every inference from the zero state unless built with -DHARC_STREAM */
        HARC_MODEL_RESET();
#endif
        harc_inference_begin();
        rc = HARC_MODEL_INVOKE(harc_in_buf, harc_out_buf);
        harc_inference_end();
        if (rc != 0) {
            harc_sh_write0("harc: model invoke failed\n");
            return HARC_ERR_INVOKE;
        }
        if (harc_sh_write(fout, harc_out_buf, sizeof harc_out_buf) != 0) {
            return HARC_ERR_WRITE;
        }
    }
    harc_sh_close(fin);
    harc_sh_close(fout);
#ifdef HARC_GUARD
    if (harc_guard_check() != 0u) {
        harc_sh_write0("harc: bytes outside the planned arena were written\n");
        return HARC_ERR_GUARD;
    }
#endif
    /* Measure before write_report() so its buffer is not counted. */
    return write_report(n, harc_stack_peak());
}
