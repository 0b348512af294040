/* RV32 startup for harc firmware on qemu-system-riscv32 -M virt -bios none
 * (QEMU's reset ROM jumps to 0x80000000, where .text.start is placed). */
    .section .text.start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack
    .option push
    .option arch, +zicsr
    la t0, harc_trap_entry
    csrw mtvec, t0
    .option pop
    call harc_c_start
1:  j 1b
    .size _start, . - _start

    /* Any trap (illegal instruction, misaligned access, ...) ends the run. */
    .text
    .balign 4
    .globl harc_trap_entry
    .type harc_trap_entry, @function
harc_trap_entry:
    la sp, __stack
    call harc_trap
1:  j 1b
    .size harc_trap_entry, . - harc_trap_entry

    /* Semihosting trap: the slli/ebreak/srai triple must be uncompressed
     * and must not straddle a page boundary, so keep it 16-byte aligned. */
    .option push
    .option norvc
    .balign 16
    .globl harc_semihost_call
    .type harc_semihost_call, @function
harc_semihost_call:
    slli x0, x0, 0x1f
    ebreak
    srai x0, x0, 7
    ret
    .size harc_semihost_call, . - harc_semihost_call
    .option pop
