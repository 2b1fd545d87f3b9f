package dev.orca.estimator.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.BlockColumn;
import dev.orca.arrow.FloatBlock;
import dev.orca.arrow.Shard;
import dev.orca.data.XShards;
import dev.orca.nn.InputSplit;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * What one pass over the training data tells before training starts: every shard's place and size
 * (from which each row's global index follows, whatever the workers), the feature and label widths,
 * and the range of the labels, so that a data set that does not fit the model fails now, naming
 * what is wrong, rather than in the middle of an epoch.
 */
public final class DataSummary implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * One shard: where it is, its rows, widths and the range of its finite labels; {@code
   * nonFiniteLabel} says where its first NaN or infinite label is, or is null.
   */
  public record ShardStats(
      int partition,
      int index,
      int rows,
      int featureWidth,
      int labelWidth,
      double labelMin,
      double labelMax,
      boolean labelsIntegral,
      String nonFiniteLabel)
      implements Serializable {}

  private final List<ShardStats> shards;
  private final Map<Long, Long> firstRow = new HashMap<>();
  private final long totalRows;

  private DataSummary(List<ShardStats> shards) {
    List<ShardStats> sorted = new ArrayList<>(shards);
    sorted.sort(Comparator.comparingInt(ShardStats::partition).thenComparingInt(ShardStats::index));
    this.shards = List.copyOf(sorted);
    long at = 0;
    for (ShardStats s : sorted) {
      firstRow.put(key(s.partition(), s.index()), at);
      at += s.rows();
    }
    this.totalRows = at;
  }

  /** Runs the pass over {@code data} (what it names is quoted in errors). */
  public static DataSummary of(XShards data, String what) {
    JavaRDD<ShardStats> stats = data.rdd().mapPartitionsWithIndex(DataSummary::statsOf, true);
    DataSummary summary = new DataSummary(SparkActions.run(stats::collect));
    if (summary.totalRows == 0) {
      throw new OrcaDataException("The " + what + " is empty: " + data.name() + " has no rows.");
    }
    return summary;
  }

  private static Iterator<ShardStats> statsOf(int partition, Iterator<Shard> shards) {
    List<ShardStats> out = new ArrayList<>();
    int index = 0;
    while (shards.hasNext()) {
      try (Shard s = shards.next()) {
        out.add(stats(s, partition, index++));
      }
    }
    return out.iterator();
  }

  /** The statistics of one open shard. */
  private static ShardStats stats(Shard s, int partition, int index) {
    if (!s.hasLabels()) {
      throw new OrcaDataException(
          "shard "
              + s.name()
              + " has no label columns: training needs labels"
              + " (give labelCols when making the XShards)");
    }
    FloatBlock labels = s.labels();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    boolean integral = true;
    String nonFinite = null;
    java.nio.FloatBuffer v = labels.floatBuffer();
    for (int i = 0; i < labels.rows() * labels.width(); i++) {
      float x = v.get(i);
      if (!Float.isFinite(x)) {
        nonFinite = nonFinite == null ? where(s, labels, i, x) : nonFinite;
        continue;
      }
      min = Math.min(min, x);
      max = Math.max(max, x);
      integral &= x == Math.rint(x);
    }
    return new ShardStats(
        partition,
        index,
        s.rows(),
        s.features().width(),
        labels.width(),
        min,
        max,
        integral,
        nonFinite);
  }

  /** Where value {@code i} of the label block is, in the words of the label columns. */
  private static String where(Shard s, FloatBlock labels, int i, float x) {
    int row = i / labels.width();
    int col = i % labels.width();
    for (BlockColumn c : labels.columns()) {
      if (col >= c.offset() && col < c.end()) {
        return "label column '"
            + c.name()
            + "' holds "
            + x
            + " in row "
            + row
            + (c.width() > 1 ? " at index " + (col - c.offset()) : "")
            + " of shard "
            + s.name();
      }
    }
    return "the label block holds " + x + " in row " + row + " of shard " + s.name();
  }

  public long totalRows() {
    return totalRows;
  }

  /** The global index of the first row of shard {@code index} of {@code partition}. */
  public long firstRow(int partition, int index) {
    Long at = firstRow.get(key(partition, index));
    if (at == null) {
      throw new OrcaDataException(
          "shard "
              + partition
              + "."
              + index
              + " was not there when the data was"
              + " counted before training: the data set changed between two passes. Cache it, or make it"
              + " deterministic (a fixed seed for random splits).");
    }
    return at;
  }

  public int featureWidth() {
    return shards.get(0).featureWidth();
  }

  public int labelWidth() {
    return shards.get(0).labelWidth();
  }

  /**
   * Checks the data against the model: feature width, label width, and labels against the loss
   * (class ids in [0, classes) for sparse categorical cross-entropy; 0..1 for binary).
   */
  public void checkFits(int modelInputWidth, int modelOutputWidth, String lossName, String what) {
    for (ShardStats s : shards) {
      InputSplit.checkWidth(s.featureWidth(), modelInputWidth, what);
    }
    for (ShardStats s : shards) {
      if (s.nonFiniteLabel() != null) {
        throw new OrcaDataException(
            "The "
                + what
                + "'s labels are not all finite: "
                + s.nonFiniteLabel()
                + ". No loss can learn from NaN or an infinite label: clean the labels, or leave"
                + " such rows out (ConversionOptions.withNullPolicy(NullPolicy.DROP) when making"
                + " the shards).");
      }
    }
    double min = shards.stream().mapToDouble(ShardStats::labelMin).min().orElse(0);
    double max = shards.stream().mapToDouble(ShardStats::labelMax).max().orElse(0);
    boolean integral = shards.stream().allMatch(ShardStats::labelsIntegral);
    switch (lossName) {
      case "sparse_categorical_crossentropy" -> {
        if (labelWidth() != 1 || !integral || min < 0 || max >= modelOutputWidth) {
          throw new OrcaDataException(
              "The "
                  + what
                  + "'s labels must be one class id per row in [0, "
                  + modelOutputWidth
                  + ") for a model with "
                  + modelOutputWidth
                  + " outputs, but they are "
                  + (labelWidth() != 1
                      ? labelWidth() + " values per row"
                      : !integral
                          ? "not all whole numbers"
                          : "in [" + fmt(min) + ", " + fmt(max) + "]")
                  + ". Map the labels to 0.."
                  + (modelOutputWidth - 1)
                  + ", or give the model more outputs.");
        }
      }
      case "binary_crossentropy" -> {
        if (labelWidth() != modelOutputWidth || min < 0 || max > 1) {
          throw new OrcaDataException(
              "The "
                  + what
                  + "'s labels must be "
                  + modelOutputWidth
                  + " value(s) in"
                  + " [0, 1] per row for binary cross-entropy, but they are "
                  + labelWidth()
                  + " per row in ["
                  + fmt(min)
                  + ", "
                  + fmt(max)
                  + "].");
        }
      }
      default -> {
        if (labelWidth() != modelOutputWidth) {
          throw new OrcaDataException(
              "The "
                  + what
                  + " has "
                  + labelWidth()
                  + " label values per row but the"
                  + " model has "
                  + modelOutputWidth
                  + " outputs; give one label per output.");
        }
      }
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static long key(int partition, int index) {
    return ((long) partition << 32) | (index & 0xffffffffL);
  }
}
