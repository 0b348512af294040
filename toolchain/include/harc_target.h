/* harc bare-metal runtime: semihosting calls and stack measurement.
 * Shared by the Cortex-M4 and RV32 startup code and the target harness. */
#ifndef HARC_TARGET_H
#define HARC_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Semihosting operation numbers (ARM semihosting spec v2, also used by the
 * RISC-V semihosting binding). */
#define HARC_SYS_OPEN          0x01
#define HARC_SYS_CLOSE         0x02
#define HARC_SYS_WRITE0        0x04
#define HARC_SYS_WRITE         0x05
#define HARC_SYS_READ          0x06
#define HARC_SYS_FLEN          0x0C
#define HARC_SYS_EXIT          0x18
#define HARC_SYS_EXIT_EXTENDED 0x20

/* SYS_OPEN modes (fopen-style index): 1 = "rb", 5 = "wb". */
#define HARC_OPEN_RB 1
#define HARC_OPEN_WB 5

/* ADP_Stopped_ApplicationExit */
#define HARC_ADP_APPLICATION_EXIT 0x20026

/* Stack paint pattern. */
#define HARC_STACK_PAINT 0xC5A5C5A5u

/* Architecture specific trap into the debugger (startup_*.c / start_*.S). */
long harc_semihost_call(long op, void *arg);

int harc_sh_open(const char *path, int mode);
int harc_sh_close(int fd);
/* Return number of bytes NOT transferred (0 = success), negative on error. */
long harc_sh_read(int fd, void *buf, size_t len);
long harc_sh_write(int fd, const void *buf, size_t len);
long harc_sh_flen(int fd);
void harc_sh_write0(const char *s);
void harc_sh_exit(int status) __attribute__((noreturn));

/* Paint the unused part of the stack (called from startup, before main). */
void harc_stack_paint(void);
/* Peak stack usage in bytes since harc_stack_paint(); returns the full
 * stack size when the bottom guard word was overwritten (overflow). */
uint32_t harc_stack_peak(void);
uint32_t harc_stack_size(void);

/* Common C startup: .data copy, .bss clear, TLS, stack paint, main, exit. */
void harc_c_start(void) __attribute__((noreturn));

#endif
