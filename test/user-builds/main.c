/* A user's application with two harc models in one file: har_cnn (float) and har_cnn_q (int8).
 * Reads nothing: a deterministic window, both models, and checks that the int8 helpers in model.h
 * agree bit for bit with har_cnn_q_run_float(). On the host it prints the float logits (the test
 * compares them with onnxruntime); exit status 0 means every check passed. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "models/har_cnn/model.h"
#include "models/har_cnn_q/model.h"
#ifdef USER_APP_HOSTED
#include <stdio.h>
#endif

static float window[HAR_CNN_INPUT0_SIZE];
static float logits[HAR_CNN_OUTPUT0_SIZE];
static int8_t q_window[HAR_CNN_Q_INPUT0_SIZE];
static int8_t q_logits[HAR_CNN_Q_OUTPUT0_SIZE];
static float q_real[HAR_CNN_Q_OUTPUT0_SIZE];
static float q_real_via_float_api[HAR_CNN_Q_OUTPUT0_SIZE];

static int argmax(const float *x, int n)
{
    int i, best = 0;
    for (i = 1; i < n; ++i)
        if (x[i] > x[best]) best = i;
    return best;
}

int main(void)
{
    int i;
    for (i = 0; i < HAR_CNN_INPUT0_SIZE; ++i) window[i] = 0.8f * sinf((float)i * 0.37f);
    if (har_cnn_run(window, logits) != 0) return 10;

    har_cnn_q_quantize_input0(window, q_window);
    if (har_cnn_q_run(q_window, q_logits) != 0) return 11;
    har_cnn_q_dequantize_output0(q_logits, q_real);
    if (har_cnn_q_run_float(window, q_real_via_float_api) != 0) return 12;
    if (memcmp(q_real, q_real_via_float_api, sizeof q_real) != 0) return 13;
    if (argmax(q_real, HAR_CNN_Q_OUTPUT0_SIZE) != argmax(logits, HAR_CNN_OUTPUT0_SIZE)) return 14;
    if (HAR_CNN_PACKED_INPUT_BYTES != 4 * HAR_CNN_INPUT0_SIZE || HAR_CNN_Q_PACKED_INPUT_BYTES != HAR_CNN_Q_INPUT0_SIZE) return 15;

#ifdef USER_APP_HOSTED
    for (i = 0; i < HAR_CNN_OUTPUT0_SIZE; ++i) printf("%.9g\n", (double)logits[i]);
#endif
    return 0;
}
