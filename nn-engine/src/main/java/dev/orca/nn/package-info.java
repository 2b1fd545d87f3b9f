/**
 * The neural-network engine every Orca model replica runs; usable on its own (no Spark, no Ray),
 * for example to serve a trained model from plain Java.
 *
 * <p>Entry points: {@link dev.orca.nn.Sequential} and {@link dev.orca.nn.GraphModel} build a {@link
 * dev.orca.nn.Model}; {@link dev.orca.nn.Tensor} holds float32 data in native memory (and wraps
 * memory others own, e.g. Arrow buffers, without copying); {@link dev.orca.nn.Engine} chooses MKL
 * or the pure-Java kernels and the thread count. Layers are in {@code dev.orca.nn.layers}, losses
 * in {@code losses}, optimizers and learning-rate schedules in {@code optim}, mergeable metrics in
 * {@code metrics}, the model file in {@code io}.
 */
package dev.orca.nn;
