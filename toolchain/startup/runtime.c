/* Architecture-neutral part of the harc bare-metal runtime. */
#include <string.h>
#include "harc_target.h"

extern int main(void);

/* Linker-script symbols (toolchain/ld/sections.ld). */
extern uint8_t __data_start[], __data_end[], __data_source[];
extern uint8_t __bss_start[], __bss_end[];
extern uint8_t __tls_base[];
extern uint32_t __stack_limit[], __stack[];

/* picolibc TLS helpers: errno lives in thread-local storage. */
extern void _init_tls(void *tls);
extern void _set_tls(void *tls);

int harc_sh_open(const char *path, int mode)
{
    long block[3];
    block[0] = (long)(uintptr_t)path;
    block[1] = (long)mode;
    block[2] = (long)strlen(path);
    return (int)harc_semihost_call(HARC_SYS_OPEN, block);
}

int harc_sh_close(int fd)
{
    long block[1];
    block[0] = fd;
    return (int)harc_semihost_call(HARC_SYS_CLOSE, block);
}

long harc_sh_read(int fd, void *buf, size_t len)
{
    long block[3];
    block[0] = fd;
    block[1] = (long)(uintptr_t)buf;
    block[2] = (long)len;
    return harc_semihost_call(HARC_SYS_READ, block);
}

long harc_sh_write(int fd, const void *buf, size_t len)
{
    long block[3];
    block[0] = fd;
    block[1] = (long)(uintptr_t)buf;
    block[2] = (long)len;
    return harc_semihost_call(HARC_SYS_WRITE, block);
}

long harc_sh_flen(int fd)
{
    long block[1];
    block[0] = fd;
    return harc_semihost_call(HARC_SYS_FLEN, block);
}

void harc_sh_write0(const char *s)
{
    harc_semihost_call(HARC_SYS_WRITE0, (void *)(uintptr_t)s);
}

void harc_sh_exit(int status)
{
    /* SYS_EXIT_EXTENDED takes {reason, subcode}; QEMU exits with subcode. */
    long block[2];
    block[0] = HARC_ADP_APPLICATION_EXIT;
    block[1] = status;
    harc_semihost_call(HARC_SYS_EXIT_EXTENDED, block);
    for (;;) {
        /* SYS_EXIT_EXTENDED unsupported: fall back to plain SYS_EXIT. */
        harc_semihost_call(HARC_SYS_EXIT, (void *)(uintptr_t)(status == 0 ? HARC_ADP_APPLICATION_EXIT : 0x20023));
    }
}

__attribute__((noinline)) void harc_stack_paint(void)
{
    volatile uint32_t here = 0;
    /* Leave a margin below this frame so that nothing live is overwritten. */
    uint32_t *top = (uint32_t *)(((uintptr_t)&here - 64u) & ~(uintptr_t)3u);
    uint32_t *p;
    for (p = __stack_limit; p < top; ++p) {
        *p = HARC_STACK_PAINT;
    }
    (void)here;
}

uint32_t harc_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack - (uintptr_t)__stack_limit);
}

uint32_t harc_stack_peak(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack && *p == HARC_STACK_PAINT) {
        ++p;
    }
    return (uint32_t)((uintptr_t)__stack - (uintptr_t)p);
}

static __attribute__((noinline)) void harc_init_memory(void)
{
    size_t data_len = (size_t)(__data_end - __data_start);
    size_t bss_len = (size_t)(__bss_end - __bss_start);
    if (data_len != 0u && &__data_start[0] != &__data_source[0]) {
        memcpy(__data_start, __data_source, data_len);
    }
    if (bss_len != 0u) {
        memset(__bss_start, 0, bss_len);
    }
    _init_tls(__tls_base);
    _set_tls(__tls_base);
}

void harc_c_start(void)
{
    harc_init_memory();
    harc_stack_paint();
    harc_sh_exit(main());
}
