/* Two int8 models that call CMSIS-NN, in one application: the same network under two names must
 * give the same scores for the same window; prints them (the test compares the two builds). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "models/cn_a/model.h"
#include "models/cn_b/model.h"

static float window[CN_A_INPUT0_SIZE];
static int8_t qa[CN_A_INPUT0_SIZE], qb[CN_B_INPUT0_SIZE];
static int8_t sa[CN_A_OUTPUT0_SIZE], sb[CN_B_OUTPUT0_SIZE];

int main(void)
{
    int i;
    for (i = 0; i < CN_A_INPUT0_SIZE; ++i) window[i] = 0.8f * sinf((float)i * 0.37f);
    cn_a_quantize_input0(window, qa);
    cn_b_quantize_input0(window, qb);
    if (cn_a_run(qa, sa) != 0 || cn_b_run(qb, sb) != 0) return 10;
    if (memcmp(sa, sb, sizeof sa) != 0) return 11;
    for (i = 0; i < CN_A_OUTPUT0_SIZE; ++i) printf("%d\n", sa[i]);
    return 0;
}
