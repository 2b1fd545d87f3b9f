package dev.orca.data.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.NullPolicy;
import dev.orca.arrow.Shard;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory arrays to shards on the driver: checked (shape, NaN and infinities per the null
 * policy), split into contiguous row ranges, one per partition, each cut into shards of at most the
 * batch size, and written as IPC bytes for Spark to distribute.
 */
public final class ArrayShards {
  private ArrayShards() {}

  /** Per partition, the IPC bytes of its shards. {@code labels} may be null. */
  public static List<List<byte[]>> split(
      float[][] features,
      float[][] labels,
      int partitions,
      ConversionOptions options,
      String name) {
    if (partitions < 1) {
      throw new OrcaDataException("the number of shards must be at least 1, got " + partitions);
    }
    if (features.length == 0) {
      throw new OrcaDataException(
          "the data set is empty: there are no feature rows to make shards of");
    }
    int width = width(features, "features");
    int labelWidth = labels == null ? 0 : width(labels, "labels");
    if (labels != null && labels.length != features.length) {
      throw new OrcaDataException(
          "there are "
              + features.length
              + " feature rows but "
              + labels.length
              + " label rows; give one label row per feature row");
    }
    int[] kept = keptRows(features, labels, options.nullPolicy());
    if (kept.length == 0) {
      throw new OrcaDataException(
          "every row holds a NaN or infinite value, so none is left after dropping them");
    }
    int perBatch = options.rowsPerBatch((long) (width + labelWidth) * Float.BYTES);
    List<List<byte[]>> out = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      int from = (int) ((long) kept.length * p / partitions);
      int to = (int) ((long) kept.length * (p + 1) / partitions);
      List<byte[]> shards = new ArrayList<>();
      for (int start = from; start < to; start += perBatch) {
        int end = Math.min(to, start + perBatch);
        float[] f = flatten(features, kept, start, end, width, options.nullPolicy());
        float[] l =
            labels == null
                ? null
                : flatten(labels, kept, start, end, labelWidth, options.nullPolicy());
        try (Shard s =
            Shard.fromArrays(
                name + " partition " + p + " batch " + shards.size(),
                f,
                width,
                l,
                labelWidth,
                ArrowMemory.current())) {
          shards.add(ArrowIpc.toBytes(s));
        }
      }
      out.add(shards);
    }
    return out;
  }

  private static int width(float[][] rows, String what) {
    int width = rows[0].length;
    if (width == 0) {
      throw new OrcaDataException(
          "the " + what + " rows are empty; a row needs at least one value");
    }
    for (int r = 1; r < rows.length; r++) {
      if (rows[r].length != width) {
        throw new OrcaDataException(
            "row "
                + r
                + " of the "
                + what
                + " has "
                + rows[r].length
                + " values where row 0"
                + " has "
                + width
                + "; every row must have the same length");
      }
    }
    return width;
  }

  /**
   * The rows to keep: all, unless some hold NaN or an infinity and the policy drops them or fails.
   */
  private static int[] keptRows(float[][] features, float[][] labels, NullPolicy policy) {
    int[] kept = new int[features.length];
    int n = 0;
    long badFeatures = 0;
    long badLabels = 0;
    int first = -1;
    for (int r = 0; r < features.length; r++) {
      boolean f = !allFinite(features[r]);
      boolean l = labels != null && !allFinite(labels[r]);
      badFeatures += f ? 1 : 0;
      badLabels += l ? 1 : 0;
      if ((f || l) && first < 0) {
        first = r;
      }
      if (!(f || l) || policy.kind() == NullPolicy.Kind.FILL) {
        kept[n++] = r;
      }
    }
    if ((badFeatures > 0 || badLabels > 0) && policy.kind() == NullPolicy.Kind.FAIL) {
      throw new OrcaDataException(
          "the features have a NaN or infinite value in "
              + badFeatures
              + " of "
              + features.length
              + " rows"
              + (labels == null ? "" : " and the labels in " + badLabels)
              + " (the first is "
              + firstBad(features[first], labels == null ? null : labels[first])
              + ", in row "
              + first
              + "). Clean"
              + " them first, or convert with ConversionOptions.withNullPolicy(NullPolicy.DROP) to leave such rows out"
              + " or NullPolicy.fill(value) to replace them.");
    }
    return java.util.Arrays.copyOf(kept, n);
  }

  private static boolean allFinite(float[] row) {
    for (float v : row) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  /** The first value of a bad row that is not finite, features first. */
  private static float firstBad(float[] features, float[] labels) {
    for (float[] row :
        labels == null ? new float[][] {features} : new float[][] {features, labels}) {
      for (float v : row) {
        if (!Float.isFinite(v)) {
          return v;
        }
      }
    }
    throw new IllegalStateException("no value of the row is bad");
  }

  private static float[] flatten(
      float[][] rows, int[] kept, int from, int to, int width, NullPolicy policy) {
    float[] out = new float[(to - from) * width];
    for (int i = from; i < to; i++) {
      System.arraycopy(rows[kept[i]], 0, out, (i - from) * width, width);
    }
    if (policy.kind() == NullPolicy.Kind.FILL) {
      for (int i = 0; i < out.length; i++) {
        out[i] = Float.isFinite(out[i]) ? out[i] : policy.value();
      }
    }
    return out;
  }
}
