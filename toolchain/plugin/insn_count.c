/*
 * harc QEMU TCG plugin: counts guest instructions executed between the
 * inference markers, attributed to model segments (layer functions) and to
 * instruction classes, plus taken branches.
 *
 * Arguments (-plugin insn_count.so,key=value,...):
 *   out=PATH        report file (required; qemu_plugin_outs needs -d plugin)
 *   begin=0xADDR    entry of harc_inference_begin (counting starts here)
 *   end=0xADDR      entry of harc_inference_end (counting stops here)
 *   segments=PATH   optional file of "<hex address> <segment id>" lines
 *   arch=arm|riscv  mnemonic table used for the instruction classes
 *   dump=PATH       optional: write "<addr> <class> <disassembly>" per
 *                   translated instruction (debugging the classifier)
 *
 * Instructions go to the segment whose entry address was executed most
 * recently; between the begin marker and the first segment entry they go to
 * segment -1 ("harness"). A branch is counted as taken when the next
 * executed translation block does not start at the fall-through address of
 * the previous one.
 *
 * Built with the host compiler: gcc -shared -fPIC -O2 -o insn_count.so
 * Debian's QEMU 7.2 ships no qemu-plugin.h, so the small part of the plugin
 * API (version 1) used here is declared below.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU plugin API (subset of include/qemu/qemu-plugin.h, v1) ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
    QEMU_PLUGIN_CB_NO_REGS,
    QEMU_PLUGIN_CB_R_REGS,
    QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* ---- instruction classes ---- */
enum insn_class {
    CLS_LOAD,
    CLS_STORE,
    CLS_MUL,
    CLS_MAC,
    CLS_DIV,
    CLS_BRANCH,
    CLS_FP,
    CLS_FPMAC,
    CLS_FPDIV,
    CLS_OTHER,
    CLS_COUNT
};

static const char *const class_names[CLS_COUNT] = {
    "load", "store", "mul", "mac", "div", "branch", "fp", "fpmac", "fpdiv", "other",
};

/* ---- configuration ---- */
struct seg_entry {
    uint64_t addr;
    int32_t id;
};

static struct seg_entry *seg_table;
static size_t seg_count;
static uint64_t begin_addr = UINT64_MAX;
static uint64_t end_addr = UINT64_MAX;
static char *out_path;
static FILE *dump_file;
static bool arch_riscv;

/* ---- run-time state (single vCPU) ---- */
#define SEG_HARNESS (-1)

struct seg_count {
    int32_t id;
    uint64_t insns;
};

static struct seg_count *seg_counts; /* index 0 = harness, i+1 = seg_table[i] */
static size_t cur_seg;
static bool active;
static uint64_t total_insns;
static uint64_t class_counts[CLS_COUNT];
static uint64_t taken_branches;
static uint64_t pipelined_loads;
/* Multi-word transfers (LDM/STM/PUSH/POP/LDRD/STRD/VLDM/VSTM/VPUSH/VPOP,
 * VLDR/VSTR of a D register): how many executed, and the words they moved.
 * The cycle model charges each one 1+N (Cortex-M4 TRM table 3-1). */
static uint64_t multi_loads, multi_load_words, multi_stores, multi_store_words;
/* Loads/stores whose address register the instruction just before wrote with a
 * data-processing result (no forwarding path: one stall cycle, TRM 3.3.2). */
static uint64_t address_stalls;
static uint64_t inferences;
static uint64_t last_fallthrough = UINT64_MAX;

/* A run is a slice of a translation block that starts either at the TB's
 * first instruction or at a marker/segment entry. */
enum run_marker { RUN_PLAIN, RUN_BEGIN, RUN_END, RUN_SEGMENT };

struct run {
    uint64_t vaddr;
    uint64_t fallthrough; /* valid when last_in_tb */
    uint32_t n_insns;
    uint32_t n_class[CLS_COUNT];
    uint32_t n_pipelined;
    uint32_t n_multi_loads, n_multi_load_words, n_multi_stores, n_multi_store_words;
    uint32_t n_address_stalls;
    uint32_t seg_index;
    uint8_t marker;
    bool first_in_tb;
    bool last_in_tb;
};

static void on_run(unsigned int vcpu_index, void *userdata)
{
    const struct run *r = userdata;
    int c;
    (void)vcpu_index;

    if (r->first_in_tb && active && last_fallthrough != r->vaddr) {
        ++taken_branches;
    }
    switch (r->marker) {
    case RUN_BEGIN:
        active = true;
        cur_seg = 0;
        ++inferences;
        break;
    case RUN_END:
        active = false;
        break;
    case RUN_SEGMENT:
        cur_seg = r->seg_index;
        break;
    default:
        break;
    }
    if (active) {
        total_insns += r->n_insns;
        seg_counts[cur_seg].insns += r->n_insns;
        for (c = 0; c < CLS_COUNT; ++c) {
            class_counts[c] += r->n_class[c];
        }
        pipelined_loads += r->n_pipelined;
        multi_loads += r->n_multi_loads;
        multi_load_words += r->n_multi_load_words;
        multi_stores += r->n_multi_stores;
        multi_store_words += r->n_multi_store_words;
        address_stalls += r->n_address_stalls;
    }
    if (r->last_in_tb) {
        last_fallthrough = r->fallthrough;
    }
}

/* ---- classification ---- */
static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list != NULL; ++list) {
        if (strcmp(s, *list) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_arm_cond(const char *s)
{
    static const char *const conds[] = {
        "", "eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc",
        "hi", "ls", "ge", "lt", "gt", "le", "al", NULL,
    };
    return in_list(s, conds);
}

/* Extract the lower-case mnemonic (first token, without .w/.n/.f32 etc.). */
static void mnemonic_of(const char *disas, char *buf, size_t len)
{
    size_t i = 0;
    const char *p = disas;
    /* Some disassemblers prefix the raw encoding: skip leading hex words. */
    for (;;) {
        const char *q = p;
        size_t hex = 0;
        while (*q == ' ' || *q == '\t') {
            ++q;
        }
        while (isxdigit((unsigned char)q[hex])) {
            ++hex;
        }
        if (hex >= 4 && (q[hex] == ' ' || q[hex] == '\t')) {
            p = q + hex;
            continue;
        }
        p = q;
        break;
    }
    while (*p != '\0' && *p != ' ' && *p != '\t' && i + 1 < len) {
        buf[i++] = (char)tolower((unsigned char)*p++);
    }
    buf[i] = '\0';
}

/* The operand text after the mnemonic (same hex-prefix skipping as above). */
static const char *operands_of(const char *disas)
{
    const char *p = disas;
    char m[32];
    mnemonic_of(disas, m, sizeof m);
    p = strstr(p, m[0] != '\0' ? m : "");
    if (p == NULL) {
        p = disas;
    }
    while (*p != '\0' && *p != ' ' && *p != '\t') {
        ++p;
    }
    while (*p == ' ' || *p == '\t') {
        ++p;
    }
    return p;
}

static enum insn_class classify_arm(const char *disas)
{
    static const char *const mul[] = {
        "mul", "muls", "smull", "umull", "smulbb", "smulbt", "smultb", "smultt",
        "smulwb", "smulwt", "smmul", "smmulr", "smuad", "smuadx", "smusd", "smusdx", NULL,
    };
    static const char *const mac[] = {
        "mla", "mls", "smlal", "umlal", "umaal", "smlabb", "smlabt", "smlatb", "smlatt",
        "smlawb", "smlawt", "smlad", "smladx", "smlsd", "smlsdx", "smlald", "smlaldx",
        "smlsld", "smlsldx", "smlalbb", "smlalbt", "smlaltb", "smlaltt", "smmla", "smmlar",
        "smmls", "smmlsr", "usada8", "usad8",
        /* DSP SIMD (packed 8/16-bit arithmetic) */
        "sadd16", "sadd8", "ssub16", "ssub8", "uadd16", "uadd8", "usub16", "usub8",
        "qadd16", "qadd8", "qsub16", "qsub8", "uqadd16", "uqadd8", "uqsub16", "uqsub8",
        "shadd16", "shadd8", "shsub16", "shsub8", "uhadd16", "uhadd8", "sasx", "ssax",
        "qasx", "qsax", "sxtab16", "sxtb16", "uxtab16", "uxtb16", "pkhbt", "pkhtb", "sel",
        "ssat16", "usat16", "qadd", "qsub", "qdadd", "qdsub", NULL,
    };
    static const char *const fpmac[] = {
        "vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms", NULL,
    };
    char m[32];
    char *dot;
    mnemonic_of(disas, m, sizeof m);
    dot = strchr(m, '.');
    if (dot != NULL) {
        *dot = '\0';
    }
    if (m[0] == 'v') {
        if (starts_with(m, "vldr") || starts_with(m, "vldm") || strcmp(m, "vpop") == 0) {
            return CLS_LOAD;
        }
        if (starts_with(m, "vstr") || starts_with(m, "vstm") || strcmp(m, "vpush") == 0) {
            return CLS_STORE;
        }
        if (in_list(m, fpmac)) {
            return CLS_FPMAC;
        }
        if (strcmp(m, "vdiv") == 0 || strcmp(m, "vsqrt") == 0) {
            return CLS_FPDIV;
        }
        return CLS_FP;
    }
    if (starts_with(m, "ldr") || starts_with(m, "ldm") || strcmp(m, "pop") == 0 ||
        starts_with(m, "lda")) {
        return CLS_LOAD;
    }
    if (starts_with(m, "str") || starts_with(m, "stm") || strcmp(m, "push") == 0 ||
        starts_with(m, "stl")) {
        return CLS_STORE;
    }
    if (strcmp(m, "sdiv") == 0 || strcmp(m, "udiv") == 0) {
        return CLS_DIV;
    }
    if (in_list(m, mac)) {
        return CLS_MAC;
    }
    if (in_list(m, mul)) {
        return CLS_MUL;
    }
    if (strcmp(m, "cbz") == 0 || strcmp(m, "cbnz") == 0 || strcmp(m, "tbb") == 0 ||
        strcmp(m, "tbh") == 0) {
        return CLS_BRANCH;
    }
    if (m[0] == 'b') {
        const char *rest = m + 1;
        if (strcmp(m, "bkpt") == 0) {
            return CLS_OTHER;
        }
        if (starts_with(rest, "lx")) {
            rest += 2;
        } else if (rest[0] == 'l' || rest[0] == 'x') {
            /* "bl", "bx" (but "bls"/"ble"/"blt"/"blo" are b<cond>) */
            if (is_arm_cond(rest + 1) && !is_arm_cond(rest)) {
                rest += 1;
            }
        }
        if (is_arm_cond(rest)) {
            return CLS_BRANCH;
        }
    }
    return CLS_OTHER;
}

/* Number of 32-bit registers named in a "{r4, r5, lr}" / "{d8-d9}" list:
 * a D register is two words. Ranges ("r4-r7", "s16-s31") are expanded. */
static unsigned reglist_words(const char *list)
{
    unsigned words = 0;
    const char *p = list;
    while (*p != '\0' && *p != '}') {
        char kind;
        long first, last;
        char *end;
        while (*p == ' ' || *p == ',' || *p == '{') {
            ++p;
        }
        if (*p == '\0' || *p == '}') {
            break;
        }
        kind = (char)tolower((unsigned char)*p);
        first = last = 0;
        if ((kind == 'r' || kind == 's' || kind == 'd') && isdigit((unsigned char)p[1])) {
            first = last = strtol(p + 1, &end, 10);
            p = end;
            if (*p == '-') {
                ++p;
                if (isalpha((unsigned char)*p)) {
                    ++p;
                }
                last = strtol(p, &end, 10);
                p = end;
            }
        } else { /* lr, pc, sb, sl, fp, ip, sp */
            kind = 'r';
            while (*p != '\0' && *p != ',' && *p != '}') {
                ++p;
            }
        }
        words += (unsigned)(last - first + 1) * (kind == 'd' ? 2u : 1u);
    }
    return words;
}

/* Core register named at p ("r0".."r12", sb, sl, fp, ip, sp, lr, pc): its
 * number, with *end after it; -1 when p names none. */
static int core_reg(const char *p, const char **end)
{
    static const char *const alias[] = { "sb", "sl", "fp", "ip", "sp", "lr", "pc", NULL };
    static const int alias_num[] = { 9, 10, 11, 12, 13, 14, 15 };
    int i;
    if ((p[0] == 'r' || p[0] == 'R') && isdigit((unsigned char)p[1])) {
        char *e;
        long n = strtol(p + 1, &e, 10);
        if (n <= 15 && !isalnum((unsigned char)*e)) {
            *end = e;
            return (int)n;
        }
        return -1;
    }
    for (i = 0; alias[i] != NULL; ++i) {
        if (strncmp(p, alias[i], 2) == 0 && !isalnum((unsigned char)p[2]) && p[2] != '_') {
            *end = p + 2;
            return alias_num[i];
        }
    }
    return -1;
}

/* Bit mask of the core registers that form a load/store's address: those
 * inside "[...]", else the base before a register list (LDM/STM/VLDM/VSTM),
 * or SP for PUSH/POP/VPUSH/VPOP. */
static uint32_t arm_address_regs(const char *disas)
{
    char m[32];
    const char *ops = operands_of(disas);
    const char *p = strchr(ops, '[');
    const char *end;
    uint32_t mask = 0;
    int r;
    mnemonic_of(disas, m, sizeof m);
    if (starts_with(m, "push") || starts_with(m, "pop") || starts_with(m, "vpush") || starts_with(m, "vpop")) {
        return 1u << 13;
    }
    if (p == NULL) {
        r = core_reg(ops, &end);
        return r >= 0 ? 1u << r : 0;
    }
    for (++p; *p != '\0' && *p != ']'; ++p) {
        if (p[-1] == '[' || p[-1] == ' ' || p[-1] == ',') {
            r = core_reg(p, &end);
            if (r >= 0) {
                mask |= 1u << r;
                p = end - 1;
            }
        }
    }
    return mask;
}

/* Bit mask of the core registers a data-processing instruction writes: its
 * first operand (the first two for the long multiplies), unless it only sets
 * flags (compares, tests) or names no core register first. */
static uint32_t arm_dp_writes(const char *disas)
{
    static const char *const no_dest[] = { "cmp", "cmn", "tst", "teq", "it", "nop", "msr", "vcmp", "vmsr", NULL };
    static const char *const two_dest[] = { "smull", "umull", "smlal", "umlal", "umaal", "smlald", "smlsld", NULL };
    char m[32];
    char *dot;
    const char *ops = operands_of(disas);
    const char *end;
    int i, r, r2;
    mnemonic_of(disas, m, sizeof m);
    dot = strchr(m, '.');
    if (dot != NULL) {
        *dot = '\0';
    }
    for (i = 0; no_dest[i] != NULL; ++i) {
        if (starts_with(m, no_dest[i])) {
            return 0;
        }
    }
    r = core_reg(ops, &end);
    if (r < 0) {
        return 0;
    }
    for (i = 0; two_dest[i] != NULL; ++i) {
        if (starts_with(m, two_dest[i])) {
            while (*end == ',' || *end == ' ') {
                ++end;
            }
            r2 = core_reg(end, &end);
            return (1u << r) | (r2 >= 0 ? 1u << r2 : 0u);
        }
    }
    return 1u << r;
}

/* Words moved by a multi-word load/store (0 for a single-word one). */
static unsigned arm_transfer_words(const char *disas)
{
    char m[32];
    char *dot;
    const char *ops;
    const char *brace;
    mnemonic_of(disas, m, sizeof m);
    dot = strchr(m, '.');
    if (dot != NULL) {
        *dot = '\0';
    }
    ops = operands_of(disas);
    brace = strchr(ops, '{');
    if (starts_with(m, "ldm") || starts_with(m, "stm") || strcmp(m, "push") == 0 || strcmp(m, "pop") == 0 ||
        starts_with(m, "vldm") || starts_with(m, "vstm") || strcmp(m, "vpush") == 0 || strcmp(m, "vpop") == 0) {
        return brace != NULL ? reglist_words(brace) : 0;
    }
    if (starts_with(m, "ldrd") || starts_with(m, "strd")) {
        return 2;
    }
    if (starts_with(m, "vldr") || starts_with(m, "vstr")) {
        return (ops[0] == 'd' || ops[0] == 'D') ? 2 : 0;
    }
    return 0;
}

static enum insn_class classify_riscv(const char *disas)
{
    static const char *const load[] = { "lb", "lh", "lw", "lbu", "lhu", "lwsp", "flw", "fld", "flwsp", "fldsp", NULL };
    static const char *const store[] = { "sb", "sh", "sw", "swsp", "fsw", "fsd", "fswsp", "fsdsp", NULL };
    static const char *const mul[] = { "mul", "mulh", "mulhsu", "mulhu", NULL };
    static const char *const div[] = { "div", "divu", "rem", "remu", NULL };
    static const char *const branch[] = {
        "beq", "bne", "blt", "bge", "bltu", "bgeu", "beqz", "bnez", "blez", "bgez",
        "bltz", "bgtz", "bgt", "ble", "bgtu", "bleu", "j", "jal", "jr", "jalr", "ret",
        "call", "tail", NULL,
    };
    char m[32];
    const char *p = m;
    mnemonic_of(disas, m, sizeof m);
    if (starts_with(p, "c.")) {
        p += 2;
    }
    if (in_list(p, load)) {
        return CLS_LOAD;
    }
    if (in_list(p, store)) {
        return CLS_STORE;
    }
    if (in_list(p, mul)) {
        return CLS_MUL;
    }
    if (in_list(p, div)) {
        return CLS_DIV;
    }
    if (in_list(p, branch)) {
        return CLS_BRANCH;
    }
    if (p[0] == 'f' && p[1] != 'e') { /* F/D extension (not "fence") */
        return CLS_FP;
    }
    return CLS_OTHER;
}

/* ---- translation ---- */
static int seg_cmp(const void *a, const void *b)
{
    const struct seg_entry *x = a, *y = b;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

static long seg_lookup(uint64_t addr)
{
    size_t lo = 0, hi = seg_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (seg_table[mid].addr == addr) {
            return (long)mid;
        }
        if (seg_table[mid].addr < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    size_t i;
    struct run *run = NULL;
    struct qemu_plugin_insn *run_insn = NULL;
    enum insn_class prev = CLS_OTHER;
    uint32_t prev_dp_writes = 0, prev_load_writes = 0;
    (void)id;

    for (i = 0; i < n; ++i) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        uint8_t marker = RUN_PLAIN;
        long seg = -1;
        char *text;
        enum insn_class cls;
        unsigned words;
        uint32_t addr = 0, dp_writes = 0, load_writes = 0;
        const char *end;
        int rd;

        if (va == begin_addr) {
            marker = RUN_BEGIN;
        } else if (va == end_addr) {
            marker = RUN_END;
        } else if ((seg = seg_lookup(va)) >= 0) {
            marker = RUN_SEGMENT;
        }
        if (run == NULL || marker != RUN_PLAIN) {
            if (run != NULL) {
                qemu_plugin_register_vcpu_insn_exec_cb(run_insn, on_run, QEMU_PLUGIN_CB_NO_REGS, run);
            }
            run = calloc(1, sizeof *run);
            if (run == NULL) {
                abort();
            }
            run->vaddr = va;
            run->marker = marker;
            run->seg_index = seg >= 0 ? (uint32_t)seg + 1u : 0u;
            run->first_in_tb = (i == 0);
            run_insn = insn;
            prev = CLS_OTHER;
            prev_dp_writes = prev_load_writes = 0;
        }
        text = qemu_plugin_insn_disas(insn);
        cls = arch_riscv ? classify_riscv(text ? text : "") : classify_arm(text ? text : "");
        if (dump_file != NULL) {
            fprintf(dump_file, "%08llx %s %s\n", (unsigned long long)va, class_names[cls], text ? text : "?");
        }
        words = arch_riscv ? 0u : arm_transfer_words(text ? text : "");
        if (!arch_riscv && text != NULL) {
            if (cls == CLS_LOAD || cls == CLS_STORE) {
                addr = arm_address_regs(text);
            } else if (cls != CLS_BRANCH) {
                dp_writes = arm_dp_writes(text);
            }
            if (cls == CLS_LOAD && words == 0 && (rd = core_reg(operands_of(text), &end)) >= 0) {
                load_writes = 1u << rd;
            }
        }
        free(text);
        run->n_insns++;
        run->n_class[cls]++;
        /* Only single loads pipeline; a multi-word transfer pipelines with
         * neither neighbour (TRM 3.3.2), so it also ends a chain of loads. */
        if ((addr & prev_dp_writes) != 0) {
            run->n_address_stalls++;
        }
        if (words > 0) {
            if (cls == CLS_LOAD) {
                run->n_multi_loads++;
                run->n_multi_load_words += words;
            } else if (cls == CLS_STORE) {
                run->n_multi_stores++;
                run->n_multi_store_words += words;
            }
            cls = CLS_OTHER;
        } else if (cls == CLS_LOAD && prev == CLS_LOAD && (addr & prev_load_writes) == 0) {
            /* a load whose address comes from the load before cannot overlap it */
            run->n_pipelined++;
        }
        prev = cls;
        prev_dp_writes = dp_writes;
        prev_load_writes = load_writes;
        if (i + 1 == n) {
            run->last_in_tb = true;
            run->fallthrough = va + qemu_plugin_insn_size(insn);
        }
    }
    if (run != NULL) {
        qemu_plugin_register_vcpu_insn_exec_cb(run_insn, on_run, QEMU_PLUGIN_CB_NO_REGS, run);
    }
}

/* ---- report ---- */
static void write_report(qemu_plugin_id_t id, void *userdata)
{
    FILE *f;
    size_t i;
    int c;
    (void)id;
    (void)userdata;
    if (dump_file != NULL) {
        fclose(dump_file);
        dump_file = NULL;
    }
    f = fopen(out_path, "w");
    if (f == NULL) {
        return;
    }
    fprintf(f, "harc-insn-count 1\n");
    fprintf(f, "inferences %llu\n", (unsigned long long)inferences);
    fprintf(f, "total %llu\n", (unsigned long long)total_insns);
    fprintf(f, "taken_branches %llu\n", (unsigned long long)taken_branches);
    fprintf(f, "pipelined_loads %llu\n", (unsigned long long)pipelined_loads);
    fprintf(f, "multi_loads %llu\n", (unsigned long long)multi_loads);
    fprintf(f, "multi_load_words %llu\n", (unsigned long long)multi_load_words);
    fprintf(f, "multi_stores %llu\n", (unsigned long long)multi_stores);
    fprintf(f, "multi_store_words %llu\n", (unsigned long long)multi_store_words);
    fprintf(f, "address_stalls %llu\n", (unsigned long long)address_stalls);
    for (c = 0; c < CLS_COUNT; ++c) {
        fprintf(f, "class %s %llu\n", class_names[c], (unsigned long long)class_counts[c]);
    }
    for (i = 0; i <= seg_count; ++i) {
        fprintf(f, "segment %ld %llu\n", (long)seg_counts[i].id, (unsigned long long)seg_counts[i].insns);
    }
    fprintf(f, "end\n");
    fclose(f);
}

/* ---- setup ---- */
static bool load_segments(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    size_t cap = 0;
    if (f == NULL) {
        fprintf(stderr, "insn_count: cannot open segments file %s\n", path);
        return false;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long addr;
        long sid;
        if (line[0] == '#' || sscanf(line, "%llx %ld", &addr, &sid) != 2) {
            continue;
        }
        if (seg_count == cap) {
            struct seg_entry *grown;
            cap = cap ? cap * 2 : 64;
            grown = realloc(seg_table, cap * sizeof *seg_table);
            if (grown == NULL) {
                fclose(f);
                return false;
            }
            seg_table = grown;
        }
        seg_table[seg_count].addr = addr;
        seg_table[seg_count].id = (int32_t)sid;
        ++seg_count;
    }
    fclose(f);
    qsort(seg_table, seg_count, sizeof *seg_table, seg_cmp);
    return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    int i;
    size_t k;
    (void)info;
    for (i = 0; i < argc; ++i) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        const char *val = eq ? eq + 1 : "";
        size_t klen = eq ? (size_t)(eq - a) : strlen(a);
        if (klen == 3 && strncmp(a, "out", 3) == 0) {
            out_path = strdup(val);
        } else if (klen == 5 && strncmp(a, "begin", 5) == 0) {
            begin_addr = strtoull(val, NULL, 16);
        } else if (klen == 3 && strncmp(a, "end", 3) == 0) {
            end_addr = strtoull(val, NULL, 16);
        } else if (klen == 8 && strncmp(a, "segments", 8) == 0) {
            if (!load_segments(val)) {
                return -1;
            }
        } else if (klen == 4 && strncmp(a, "arch", 4) == 0) {
            arch_riscv = strncmp(val, "riscv", 5) == 0;
        } else if (klen == 4 && strncmp(a, "dump", 4) == 0) {
            dump_file = fopen(val, "w");
        } else {
            fprintf(stderr, "insn_count: unknown argument '%s'\n", a);
            return -1;
        }
    }
    if (out_path == NULL) {
        fprintf(stderr, "insn_count: missing out=PATH\n");
        return -1;
    }
    seg_counts = calloc(seg_count + 1, sizeof *seg_counts);
    if (seg_counts == NULL) {
        return -1;
    }
    seg_counts[0].id = SEG_HARNESS;
    for (k = 0; k < seg_count; ++k) {
        seg_counts[k + 1].id = seg_table[k].id;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
    qemu_plugin_register_atexit_cb(id, write_report, NULL);
    return 0;
}
