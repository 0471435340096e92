/* TEST FIXTURE ONLY: see model.h. out[j] = clamp(((sum_i W[j][i] * (in[i] - 3)) >> 2) - 128). */
#include "model.h"

static const int8_t fixture_weights[MODEL_OUTPUT_SIZE][MODEL_INPUT_SIZE] = {
    {3, 1, -2, 0},
    {-1, 2, 1, 1},
    {0, -3, 2, 4},
};

int model_invoke(const int8_t *input, int8_t *output)
{
    int j, i;
    for (j = 0; j < MODEL_OUTPUT_SIZE; j++) {
        int32_t acc = 0;
        for (i = 0; i < MODEL_INPUT_SIZE; i++) {
            acc += (int32_t)fixture_weights[j][i] * ((int32_t)input[i] - MODEL_INPUT_ZERO_POINT);
        }
        acc = (acc >> 2) + MODEL_OUTPUT_ZERO_POINT;
        output[j] = (int8_t)(acc < -128 ? -128 : (acc > 127 ? 127 : acc));
    }
    return 0;
}
