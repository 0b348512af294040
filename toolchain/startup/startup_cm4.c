/* Cortex-M4F startup for harc firmware: vector table, reset handler
 * (enables the FPU through CPACR before any floating-point code runs),
 * fault handlers that leave QEMU through semihosting, and the ARM
 * semihosting trap (BKPT 0xAB). */
#include <stdint.h>
#include "harc_target.h"

extern uint32_t __stack[];

void Reset_Handler(void) __attribute__((noreturn));
/* ELF entry point (the CPU itself starts from the vector table). */
void _start(void) __attribute__((noreturn, alias("Reset_Handler")));
void harc_fault_handler(void) __attribute__((noreturn));

long harc_semihost_call(long op, void *arg)
{
    register long r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void harc_fault_handler(void)
{
    harc_sh_write0("harc: CPU fault\n");
    harc_sh_exit(70);
}

void Reset_Handler(void)
{
    /* CPACR: full access to CP10 and CP11 (the FPU). */
    volatile uint32_t *cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    harc_c_start();
}

typedef void (*harc_vector_t)(void);

__attribute__((section(".vectors"), used))
const harc_vector_t harc_vector_table[16] = {
    (harc_vector_t)(uintptr_t)__stack, /* initial SP */
    Reset_Handler,
    harc_fault_handler, /* NMI */
    harc_fault_handler, /* HardFault */
    harc_fault_handler, /* MemManage */
    harc_fault_handler, /* BusFault */
    harc_fault_handler, /* UsageFault */
    0, 0, 0, 0,
    harc_fault_handler, /* SVCall */
    harc_fault_handler, /* DebugMon */
    0,
    harc_fault_handler, /* PendSV */
    harc_fault_handler, /* SysTick */
};
