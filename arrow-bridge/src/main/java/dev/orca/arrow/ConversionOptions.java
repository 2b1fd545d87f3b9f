package dev.orca.arrow;

import dev.orca.OrcaConfigurationException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How rows become shards. Immutable; each {@code withX} returns a changed copy.
 *
 * <ul>
 *   <li>{@link #rowsPerBatch}: the most rows in one shard (default 16384); a shard is also kept
 *       under {@link #maxBatchBytes} (default 64 MiB) of fixed-width data, so wide rows (images)
 *       get fewer rows per shard.
 *   <li>{@link #nullPolicy}: nulls, NaN and infinities in feature and label columns ({@link
 *       NullPolicy#FAIL}).
 *   <li>{@link #keepColumns}: other columns carried along in their own types (for predictions
 *       appended to the original rows); {@link #keepAllColumns()} carries every column.
 *   <li>{@link #featuresName} and {@link #labelName}: the names of the two blocks (when every
 *       column is kept, a block whose name an input column has gets underscores in front).
 *   <li>{@link #arrayWidth}: the length of the arrays of an array column, if known; otherwise it is
 *       read from the first row that has one.
 * </ul>
 */
public final class ConversionOptions implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ConversionOptions DEFAULTS =
      new ConversionOptions(
          16384, 64L << 20, NullPolicy.FAIL, List.of(), false, "features", "label", Map.of());

  private final int rowsPerBatch;
  private final long maxBatchBytes;
  private final NullPolicy nullPolicy;
  private final List<String> keepColumns;
  private final boolean keepAll;
  private final String featuresName;
  private final String labelName;
  private final Map<String, Integer> arrayWidths;

  private ConversionOptions(
      int rowsPerBatch,
      long maxBatchBytes,
      NullPolicy nullPolicy,
      List<String> keepColumns,
      boolean keepAll,
      String featuresName,
      String labelName,
      Map<String, Integer> arrayWidths) {
    this.rowsPerBatch = rowsPerBatch;
    this.maxBatchBytes = maxBatchBytes;
    this.nullPolicy = nullPolicy;
    this.keepColumns = List.copyOf(keepColumns);
    this.keepAll = keepAll;
    this.featuresName = featuresName;
    this.labelName = labelName;
    this.arrayWidths = Map.copyOf(arrayWidths);
  }

  public static ConversionOptions defaults() {
    return DEFAULTS;
  }

  public ConversionOptions withRowsPerBatch(int rows) {
    if (rows < 1) {
      throw new OrcaConfigurationException("rowsPerBatch must be at least 1, got " + rows);
    }
    return new ConversionOptions(
        rows,
        maxBatchBytes,
        nullPolicy,
        keepColumns,
        keepAll,
        featuresName,
        labelName,
        arrayWidths);
  }

  public ConversionOptions withMaxBatchBytes(long bytes) {
    if (bytes < 1) {
      throw new OrcaConfigurationException("maxBatchBytes must be positive, got " + bytes);
    }
    return new ConversionOptions(
        rowsPerBatch,
        bytes,
        nullPolicy,
        keepColumns,
        keepAll,
        featuresName,
        labelName,
        arrayWidths);
  }

  public ConversionOptions withNullPolicy(NullPolicy policy) {
    return new ConversionOptions(
        rowsPerBatch,
        maxBatchBytes,
        Objects.requireNonNull(policy, "policy"),
        keepColumns,
        keepAll,
        featuresName,
        labelName,
        arrayWidths);
  }

  /** Carries these columns along, in their own types, after the blocks. */
  public ConversionOptions withKeepColumns(List<String> columns) {
    return new ConversionOptions(
        rowsPerBatch,
        maxBatchBytes,
        nullPolicy,
        columns,
        false,
        featuresName,
        labelName,
        arrayWidths);
  }

  /**
   * Carries every column of the input along, under its own name and in its own type, after the
   * blocks, so the input's rows come back whole (as {@code Estimator.predict} returns them). A
   * block whose name an input column already has, ignoring case (a feature column called {@code
   * features}, Spark ML's default name, or a {@code label} column), is named with underscores in
   * front until the name is free ({@code _features}); find blocks by role ({@link
   * Shard#features()}, {@link Shard#labels()}), not by name.
   */
  public ConversionOptions keepAllColumns() {
    return new ConversionOptions(
        rowsPerBatch,
        maxBatchBytes,
        nullPolicy,
        List.of(),
        true,
        featuresName,
        labelName,
        arrayWidths);
  }

  public ConversionOptions withBlockNames(String features, String label) {
    return new ConversionOptions(
        rowsPerBatch,
        maxBatchBytes,
        nullPolicy,
        keepColumns,
        keepAll,
        Objects.requireNonNull(features, "features"),
        Objects.requireNonNull(label, "label"),
        arrayWidths);
  }

  /** The length of every array in column {@code column}; saves reading it from the data. */
  public ConversionOptions withArrayWidth(String column, int width) {
    if (width < 1) {
      throw new OrcaConfigurationException(
          "the array width of column '" + column + "' must be at least 1, got " + width);
    }
    Map<String, Integer> widths = new LinkedHashMap<>(arrayWidths);
    widths.put(column, width);
    return new ConversionOptions(
        rowsPerBatch,
        maxBatchBytes,
        nullPolicy,
        keepColumns,
        keepAll,
        featuresName,
        labelName,
        widths);
  }

  public int rowsPerBatch() {
    return rowsPerBatch;
  }

  public long maxBatchBytes() {
    return maxBatchBytes;
  }

  public NullPolicy nullPolicy() {
    return nullPolicy;
  }

  public List<String> keepColumns() {
    return keepColumns;
  }

  public boolean keepsAllColumns() {
    return keepAll;
  }

  public String featuresName() {
    return featuresName;
  }

  public String labelName() {
    return labelName;
  }

  /** The array widths given with {@link #withArrayWidth}. */
  public Map<String, Integer> arrayWidths() {
    return arrayWidths;
  }

  /** The rows of one batch, given the fixed bytes of a row. */
  public int rowsPerBatch(long rowBytes) {
    long byBytes = Math.max(1, maxBatchBytes / Math.max(1, rowBytes));
    return (int) Math.min(rowsPerBatch, byBytes);
  }

  @Override
  public String toString() {
    return "ConversionOptions[rowsPerBatch="
        + rowsPerBatch
        + ", maxBatchBytes="
        + maxBatchBytes
        + ", nullPolicy="
        + nullPolicy
        + ", keep="
        + (keepAll ? "all" : keepColumns)
        + ", blocks="
        + featuresName
        + "/"
        + labelName
        + ", arrayWidths="
        + arrayWidths
        + "]";
  }
}
