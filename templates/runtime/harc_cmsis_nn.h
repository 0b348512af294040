/*
 * harc_cmsis_nn.h - the model's layers that run in Arm's CMSIS-NN (--kernels cmsis-nn).
 *
 * Build model.c with CMSIS-NN's Include/ directory on the include path and link the CMSIS-NN
 * sources harc.mk / harc.cmake list (or the whole library). The library picks its DSP path itself
 * from __ARM_FEATURE_DSP; the scratch each call needs was sized at compile time for the target
 * harc compiled for and sits in the model's arena.
 */
#ifndef HARC_CMSIS_NN_H
#define HARC_CMSIS_NN_H

#include "arm_nnfunctions.h"

#endif
