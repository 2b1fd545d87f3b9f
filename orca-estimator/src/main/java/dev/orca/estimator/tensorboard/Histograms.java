package dev.orca.estimator.tensorboard;

import dev.orca.estimator.tensorboard.proto.HistogramProto;
import java.nio.FloatBuffer;

/**
 * Histograms of values (a layer's weights) in TensorBoard's {@code HistogramProto}: equal-width
 * buckets from the smallest value to the largest, each counting the values from the previous
 * bucket's limit up to its own (the largest value in the last bucket). Values that are not finite
 * are left out.
 */
public final class Histograms {
  /** Buckets per histogram unless asked otherwise: TensorBoard's own summaries use 30. */
  public static final int DEFAULT_BUCKETS = 30;

  private Histograms() {}

  /** The histogram of {@code values[offset, offset + length)} in {@code buckets} buckets. */
  public static HistogramProto of(FloatBuffer values, int offset, int length, int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be at least 1, got " + buckets);
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double num = 0;
    double sum = 0;
    double squares = 0;
    for (int i = 0; i < length; i++) {
      double v = values.get(offset + i);
      if (Double.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        num++;
        sum += v;
        squares += v * v;
      }
    }
    HistogramProto.Builder h = HistogramProto.newBuilder();
    if (num == 0) {
      return h.build();
    }
    h.setMin(min).setMax(max).setNum(num).setSum(sum).setSumSquares(squares);
    int k = max > min ? buckets : 1;
    double width = (max - min) / k;
    double[] counts = new double[k];
    for (int i = 0; i < length; i++) {
      double v = values.get(offset + i);
      if (Double.isFinite(v)) {
        int b = width == 0 ? 0 : (int) ((v - min) / width);
        counts[Math.min(b, k - 1)]++;
      }
    }
    for (int b = 0; b < k; b++) {
      h.addBucketLimit(b == k - 1 ? max : min + (b + 1) * width).addBucket(counts[b]);
    }
    return h.build();
  }

  /** The histogram of all of {@code values} in {@link #DEFAULT_BUCKETS} buckets. */
  public static HistogramProto of(float[] values) {
    return of(FloatBuffer.wrap(values), 0, values.length, DEFAULT_BUCKETS);
  }
}
