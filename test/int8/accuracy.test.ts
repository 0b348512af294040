// @module-tag c
// int8 accuracy of the CNN zoo models on the committed UCI-HAR subset (see subset-accuracy.ts).
import { describeSubsetAccuracy } from './subset-accuracy.ts';

describeSubsetAccuracy('int8 accuracy on the committed 256-window subset', ['har-cnn', 'mobilenet-1d'], { minFloatAccuracy: 0.9, timeoutMs: 300_000 });
