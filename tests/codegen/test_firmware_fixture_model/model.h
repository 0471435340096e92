/* TEST FIXTURE ONLY: a hand-written stand-in for the model compiler's output, with the same C API
 * (codegen.model). A 4 -> 3 integer "dense layer" whose arithmetic the tests mirror in numpy. */
#ifndef MODEL_H
#define MODEL_H
#include <stdint.h>

#define MODEL_INPUT_SIZE 4
#define MODEL_OUTPUT_SIZE 3
#define MODEL_ARENA_SIZE 16
#define MODEL_INPUT_SCALE 0.05f
#define MODEL_INPUT_ZERO_POINT 3
#define MODEL_OUTPUT_SCALE 0.00390625f
#define MODEL_OUTPUT_ZERO_POINT -128

int model_invoke(const int8_t *input, int8_t *output);

#endif
