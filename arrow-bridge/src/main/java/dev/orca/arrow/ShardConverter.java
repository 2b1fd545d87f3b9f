package dev.orca.arrow;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.arrow.internal.AppendedRows;
import dev.orca.arrow.internal.ColumnarBatcher;
import dev.orca.arrow.internal.MlVectors;
import dev.orca.arrow.internal.RowBatcher;
import dev.orca.arrow.internal.ShardLayout;
import dev.orca.arrow.internal.SlabPool;
import dev.orca.arrow.internal.SparkInternals;
import dev.orca.arrow.internal.SparkPlans;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Converts Spark rows to shards: made on the driver, where it checks the column choice against the
 * schema, then shipped to the tasks, where it turns each partition's rows into shards in one pass,
 * batch by batch. Feature columns (numbers, fixed-length arrays of numbers, Spark ML vectors, dense
 * or sparse, which are densified) are written straight into one row-major float block, label
 * columns into another; columns to keep ({@link ConversionOptions#withKeepColumns}) go along in
 * their own Arrow types.
 *
 * <pre>{@code
 * ShardConverter converter = ShardConverter.of(df, List.of("x1", "x2", "embedding"), List.of("y"),
 *     ConversionOptions.defaults());
 * JavaRDD<Shard> shards = converter.convert(df, "training data");
 * }</pre>
 *
 * It reads Spark's internal rows ({@code df.queryExecution().toRdd()}), which the plan produces
 * anyway, so no {@code Row} object is made per row; when the plan ends in a columnar scan (a cached
 * DataFrame, Parquet files), it reads the scan's column batches directly, and from Spark's cache it
 * reads the columns where the cache keeps them when they hold plain numbers.
 */
public final class ShardConverter implements Serializable {
  private static final long serialVersionUID = 1L;
  private final ShardLayout layout;

  private ShardConverter(ShardLayout layout) {
    this.layout = layout;
  }

  /**
   * A converter for the rows of {@code df}. Checks the columns at once, and, unless the options
   * give them, reads the lengths of array columns from the first row that has them (a small Spark
   * job, which also fails if {@code df} is empty).
   */
  public static ShardConverter of(
      Dataset<Row> df, List<String> features, List<String> labels, ConversionOptions options) {
    StructType schema = df.schema();
    List<String> blockColumns = new ArrayList<>(features);
    blockColumns.addAll(labels);
    List<String> arrays = new ArrayList<>(ShardLayout.arrayColumns(schema, blockColumns));
    Map<String, Integer> widths = new HashMap<>(options.arrayWidths());
    // checks names and types before any job runs, with a stand-in width for arrays
    Map<String, Integer> placeholder = new HashMap<>(widths);
    arrays.forEach(a -> placeholder.putIfAbsent(a, 1));
    ShardLayout.plan(schema, features, labels, options, placeholder);
    arrays.removeAll(widths.keySet());
    widths.putAll(probe(df, arrays));
    return new ShardConverter(ShardLayout.plan(schema, features, labels, options, widths));
  }

  /**
   * A converter for rows of {@code schema}, without looking at any data: the widths of array
   * columns must be in the options ({@link ConversionOptions#withArrayWidth}).
   */
  public static ShardConverter of(
      StructType schema, List<String> features, List<String> labels, ConversionOptions options) {
    List<String> blockColumns = new ArrayList<>(features);
    blockColumns.addAll(labels);
    for (String a : ShardLayout.arrayColumns(schema, blockColumns)) {
      if (!options.arrayWidths().containsKey(a)) {
        throw new OrcaDataException(
            "the length of the arrays or vectors in column '"
                + a
                + "' is not known; give it with"
                + " ConversionOptions.withArrayWidth(\""
                + a
                + "\", n) or convert from the DataFrame");
      }
    }
    return new ShardConverter(
        ShardLayout.plan(schema, features, labels, options, options.arrayWidths()));
  }

  /** The Arrow schema of the shards. */
  public Schema schema() {
    return layout.arrowSchema();
  }

  public ConversionOptions options() {
    return layout.options();
  }

  /** The rows of one shard (the options' limit, fewer if rows are wide). */
  public int rowsPerBatch() {
    return layout.rowsPerBatch();
  }

  /**
   * The shards of {@code df}, lazily: each task converts its partition when the RDD is computed.
   * Whoever takes a shard from the RDD's iterator closes it.
   */
  public JavaRDD<Shard> convert(Dataset<Row> df, String name) {
    ShardLayout plan = layout;
    // in local mode the tasks run in this JVM: its pooled shard memory goes when Spark stops
    SlabPool.get().releaseWhenStopped(df.sparkSession().sparkContext());
    Optional<JavaRDD<ColumnarBatch>> batches = SparkPlans.batches(df, plan.readColumns());
    if (batches.isPresent()) {
      return batches
          .get()
          .mapPartitionsWithIndex(
              (p, it) ->
                  new ColumnarBatcher(it, plan, ArrowMemory.current(), name + " partition " + p),
              true);
    }
    return SparkPlans.rows(df)
        .mapPartitionsWithIndex(
            (p, it) -> new RowBatcher(it, plan, ArrowMemory.current(), name + " partition " + p),
            true);
  }

  /**
   * The rows of {@code df}, every column as it is (any type, same names and order), followed by the
   * columns of {@code added}, whose values {@code columns} computes one batch at a time from the
   * batch's shard (this converter's blocks of the batch's rows). One pass over the data, lazily,
   * like Spark: the input rows are held, copied, while their batch is computed, so batches are kept
   * small ({@link ConversionOptions#withRowsPerBatch}). No row is dropped, so the null policy must
   * not be {@link NullPolicy#DROP}.
   *
   * @param df rows of the schema this converter was made for
   */
  public Dataset<Row> appendColumns(
      Dataset<Row> df, StructType added, BatchColumns columns, String name) {
    if (layout.options().nullPolicy().kind() == NullPolicy.Kind.DROP) {
      throw new OrcaConfigurationException(
          "appending columns to every row of "
              + name
              + " cannot drop rows: convert with NullPolicy.FAIL or NullPolicy.fill(value)");
    }
    StructType schema = df.schema();
    for (StructField f : added.fields()) {
      if (List.of(schema.fieldNames()).contains(f.name())) {
        throw new OrcaDataException(
            name + " already has a column '" + f.name() + "'; rename or drop it first");
      }
      schema = schema.add(f);
    }
    ShardLayout plan = layout;
    JavaRDD<InternalRow> rows =
        SparkPlans.rows(df)
            .mapPartitionsWithIndex(
                (p, it) ->
                    new AppendedRows(
                        it, plan, columns, ArrowMemory.current(), name + " partition " + p),
                true);
    return SparkInternals.createDataFrame(df.sparkSession(), rows.rdd(), schema);
  }

  /**
   * The shards of one partition, built batch by batch as they are asked for, in the task's memory.
   */
  public Iterator<Shard> convert(Iterator<InternalRow> rows, String name) {
    return convert(rows, ArrowMemory.current(), name);
  }

  /** {@link #convert(Iterator, String)} in children of {@code parent}. */
  public Iterator<Shard> convert(Iterator<InternalRow> rows, BufferAllocator parent, String name) {
    return new RowBatcher(rows, layout, parent, name);
  }

  private static Map<String, Integer> probe(Dataset<Row> df, List<String> arrays) {
    // an array's length in SQL; a vector whole (SQL cannot look inside it), measured here
    Column[] probes =
        arrays.isEmpty()
            ? new Column[] {functions.lit(1)}
            : arrays.stream()
                .map(
                    a ->
                        isVector(df, a)
                            ? functions.col(quote(a))
                            : functions.size(functions.col(quote(a))))
                .toArray(Column[]::new);
    List<Row> first =
        arrays.isEmpty()
            ? df.select(probes).limit(1).collectAsList()
            : df.where(allNotNull(df, arrays)).select(probes).limit(1).collectAsList();
    if (first.isEmpty()) {
      if (!arrays.isEmpty() && !df.isEmpty()) {
        throw new OrcaDataException(
            "array or vector column(s) "
                + arrays
                + " are null in every row, so their length is not"
                + " known; fill them or leave them out");
      }
      throw new OrcaDataException(
          "the data set is empty: there are no rows to convert. Check the input (path,"
              + " filters) before making shards of it.");
    }
    Map<String, Integer> widths = new HashMap<>();
    for (int i = 0; i < arrays.size(); i++) {
      String a = arrays.get(i);
      int w =
          isVector(df, a)
              ? MlVectors.size(df.schema().apply(a).dataType(), first.get(0).get(i))
              : first.get(0).getInt(i);
      if (w < 1) {
        throw new OrcaDataException(
            (isVector(df, a) ? "vector" : "array")
                + " column '"
                + a
                + "' holds empty "
                + (isVector(df, a) ? "vectors" : "arrays")
                + "; a feature or label array or vector needs at least one value");
      }
      widths.put(a, w);
    }
    return widths;
  }

  private static boolean isVector(Dataset<Row> df, String column) {
    return MlVectors.isVector(df.schema().apply(column).dataType());
  }

  private static Column allNotNull(Dataset<Row> df, List<String> columns) {
    Column all = functions.lit(true);
    for (String c : columns) {
      all = all.and(df.col(quote(c)).isNotNull());
    }
    return all;
  }

  /** Column names with dots or spaces must be quoted for Spark's resolver. */
  private static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }
}
