/**
 * Optimizers over a model's flat parameter and gradient buffers (SGD with momentum, Nesterov and
 * weight decay; Adam; AdamW; Adagrad), gradient clipping, and learning-rate schedules (step,
 * exponential, cosine, warm-up with linear scaling for large global batches).
 */
package dev.orca.nn.optim;
