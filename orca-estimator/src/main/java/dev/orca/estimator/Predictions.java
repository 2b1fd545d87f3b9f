package dev.orca.estimator;

import java.io.Serializable;

/**
 * What {@link Estimator#predict(org.apache.spark.sql.Dataset, java.util.List, Predictions)} and
 * {@link Estimator#predict(dev.orca.data.XShards, Predictions)} add to the data:
 *
 * <ul>
 *   <li>{@link #raw()}: {@code prediction}, the model's outputs as they are (what {@code predict}
 *       without this argument adds).
 *   <li>{@link #classes()}, for a classifier: {@code prediction}, the predicted class, and {@code
 *       probability}, the class probabilities, computed as the loss reads the outputs: a softmax
 *       over the outputs for {@code sparse_categorical_crossentropy}, a sigmoid of each output for
 *       {@code binary_crossentropy} (none when the loss was built for probabilities). {@link
 *       #withRaw()} keeps the outputs beside them as {@code rawPrediction}.
 *   <li>{@link #regression()}, for a model with one output: {@code prediction} as a {@code double}.
 * </ul>
 *
 * The README's "Predict" section lists each column's type.
 */
public final class Predictions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The column of the prediction (raw outputs, class, or regression value). */
  public static final String PREDICTION = "prediction";

  /** The column of the class probabilities ({@link #classes()}). */
  public static final String PROBABILITY = "probability";

  /** The column of the raw outputs beside the class ({@link #classes()}{@code .withRaw()}). */
  public static final String RAW_PREDICTION = "rawPrediction";

  /** What is predicted. */
  public enum Kind {
    RAW,
    CLASSES,
    REGRESSION
  }

  private final Kind kind;
  private final boolean keepRaw;

  private Predictions(Kind kind, boolean keepRaw) {
    this.kind = kind;
    this.keepRaw = keepRaw;
  }

  /** The model's outputs as they are, in {@code prediction}. */
  public static Predictions raw() {
    return new Predictions(Kind.RAW, false);
  }

  /** The class ({@code prediction}) and its probabilities ({@code probability}). */
  public static Predictions classes() {
    return new Predictions(Kind.CLASSES, false);
  }

  /** One value per row as a {@code double} ({@code prediction}); the model has one output. */
  public static Predictions regression() {
    return new Predictions(Kind.REGRESSION, false);
  }

  /** With {@link #classes()}: keep the raw outputs too, as {@code rawPrediction}. */
  public Predictions withRaw() {
    if (kind != Kind.CLASSES) {
      throw new IllegalStateException("withRaw() goes with classes(): raw() already gives them");
    }
    return new Predictions(kind, true);
  }

  public Kind kind() {
    return kind;
  }

  /** True if the raw outputs are kept beside the class. */
  public boolean keepsRaw() {
    return keepRaw;
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + "()" + (keepRaw ? ".withRaw()" : "");
  }
}
