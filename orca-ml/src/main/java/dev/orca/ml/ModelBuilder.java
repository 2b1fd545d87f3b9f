package dev.orca.ml;

import dev.orca.nn.Model;
import java.io.Serializable;

/**
 * Makes the network a stage trains, once per fit (a grid search fits many times, each on a fresh
 * network), on the driver. Register builders by name with {@link Architectures#register} and choose
 * one with a stage's {@code architecture} param, so that a {@code ParamGridBuilder} can search over
 * architectures and a saved stage can name its builder.
 *
 * <pre>{@code
 * Architectures.register("mlp-32", (inputs, outputs, seed) ->
 *     new Sequential(inputs).add(new Dense(32)).add(new ReLU()).add(new Dense(outputs))
 *         .optSeed(seed).build());
 * }</pre>
 */
@FunctionalInterface
public interface ModelBuilder extends Serializable {
  /**
   * The network for rows of {@code inputWidth} feature values, giving {@code outputWidth} values
   * (the classes of a classifier, or 1 for a one-logit binary classifier, which a builder may
   * choose instead of 2), its weights drawn with {@code seed}.
   */
  Model build(int inputWidth, int outputWidth, long seed);
}
