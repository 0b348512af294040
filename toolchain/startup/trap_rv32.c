/* RV32 trap handler: report and leave QEMU through semihosting. */
#include "harc_target.h"

void harc_trap(void) __attribute__((noreturn));

void harc_trap(void)
{
    harc_sh_write0("harc: CPU trap\n");
    harc_sh_exit(70);
}
