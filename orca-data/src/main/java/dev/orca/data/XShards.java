package dev.orca.data;

import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.ArrowToSpark;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.IpcCompression;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardConverter;
import dev.orca.arrow.ShardList;
import dev.orca.data.internal.ArrayShards;
import dev.orca.data.internal.RayHandOver;
import dev.orca.data.internal.RowSplitter;
import dev.orca.data.internal.SchemaJson;
import dev.orca.data.internal.Sessions;
import dev.orca.data.internal.ShardFiles;
import dev.orca.data.internal.ShardStreams;
import dev.orca.data.internal.SparkJobs;
import dev.orca.data.internal.ZipShards;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * A partitioned data set of Arrow {@link Shard}s on Spark: what Orca trains on and predicts from.
 * Each partition is a stream of shards (record batches of bounded size), each with a feature block
 * and, for training, a label block that the engine views as tensors without copying.
 *
 * <pre>{@code
 * XShards train = XShards.fromDataFrame(df, List.of("age", "income", "embedding"), List.of("label"));
 * XShards[] parts = train.randomSplit(new double[] {0.8, 0.2}, 42).toArray(XShards[]::new);
 * long rows = parts[0].cache().count();
 * }</pre>
 *
 * <h2>Laziness</h2>
 *
 * Made like Spark's RDDs: transformations ({@link #transformShard}, {@link #repartition}, {@link
 * #randomSplit}, ...) only describe the work; actions ({@link #count}, {@link #collect}, {@link
 * #save}, ...) run it. Choosing columns is checked at once, and {@link #fromDataFrame} runs one
 * small job to learn the length of array columns and whether there is any data.
 *
 * <h2>Memory</h2>
 *
 * Shards live off-heap, in Arrow memory owned by the Spark task that made them ({@link
 * ArrowMemory}), and every step closes a shard as soon as the next step has used it, so a partition
 * of any size streams through a pipeline one batch per step at a time. Anything a task leaves open
 * is closed when the task ends (with a warning), so off-heap memory never outlives its task: an
 * executor holds no shard between jobs. Three consequences:
 *
 * <ul>
 *   <li>Whoever takes a shard from the iterator of {@link #rdd()} owns it and closes it (the
 *       trainer takes its partition's shards, keeps them for all epochs and closes them at the
 *       end).
 *   <li>Shards leave a task only as Arrow IPC bytes: {@link #collect} and {@link #take} bring bytes
 *       to the driver and open them there (close what you get), {@link #repartition} shuffles
 *       bytes.
 *   <li>{@link #cache} keeps the shards as IPC bytes in Spark's block manager (memory, then disk),
 *       not as live off-heap shards: Spark then manages the cache's size, eviction, locality and
 *       removal on every executor ({@link #uncache}), and never holds Arrow memory that nobody
 *       would close (Spark's cache does not close what it drops). The price is one copy from the
 *       cached bytes into Arrow memory when a cached partition is read: at memory speed, once per
 *       job (a trainer reads its shards once and keeps them for all epochs).
 * </ul>
 */
public final class XShards {
  private static final AtomicInteger IDS = new AtomicInteger();

  private final JavaSparkContext jsc;
  private final int id;
  private final String name;
  private final Supplier<JavaRDD<Shard>> lineage;
  private volatile Schema schema;
  private JavaRDD<byte[]> cached;

  private XShards(
      JavaSparkContext jsc, String what, Supplier<JavaRDD<Shard>> lineage, Schema schema) {
    this.jsc = jsc;
    this.id = IDS.incrementAndGet();
    this.name = "xshards " + id + " (" + what + ")";
    this.lineage = lineage;
    this.schema = schema;
  }

  /**
   * Shards of {@code df}: {@code featureCols} into the feature block, {@code labelCols} (may be
   * empty) into the label block.
   */
  public static XShards fromDataFrame(
      Dataset<Row> df, List<String> featureCols, List<String> labelCols) {
    return fromDataFrame(df, featureCols, labelCols, ConversionOptions.defaults());
  }

  /**
   * {@link #fromDataFrame(Dataset, List, List)} with conversion options (batch size, null policy,
   * kept columns).
   */
  public static XShards fromDataFrame(
      Dataset<Row> df,
      List<String> featureCols,
      List<String> labelCols,
      ConversionOptions options) {
    ShardConverter converter =
        SparkJobs.run(() -> ShardConverter.of(df, featureCols, labelCols, options));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
    String[] name = new String[1];
    XShards out =
        new XShards(jsc, "DataFrame", () -> converter.convert(df, name[0]), converter.schema());
    name[0] = out.name;
    return out;
  }

  /**
   * Shards of in-memory rows of features and labels (one per row, or null), split into {@code
   * numShards} partitions.
   */
  public static XShards fromArrays(float[][] features, float[] labels, int numShards) {
    float[][] l = null;
    if (labels != null) {
      l = new float[labels.length][];
      for (int i = 0; i < labels.length; i++) {
        l[i] = new float[] {labels[i]};
      }
    }
    return fromArrays(features, l, numShards, ConversionOptions.defaults());
  }

  /**
   * Shards of in-memory rows, split into {@code numShards} partitions of contiguous rows (each cut
   * into shards of at most the options' batch size). {@code labels} may be null. NaN and infinities
   * are handled by the options' null policy. The rows are written as Arrow IPC bytes on the driver
   * and reach the executors as Spark broadcasts, one per partition: an executor fetches a
   * partition's bytes once and keeps them, and the driver keeps them too, until this XShards is no
   * longer referenced (Spark's cleaner then removes them everywhere).
   */
  public static XShards fromArrays(
      float[][] features, float[][] labels, int numShards, ConversionOptions options) {
    JavaSparkContext jsc = Sessions.jsc();
    String what = "arrays";
    List<List<byte[]>> parts = ArrayShards.split(features, labels, numShards, options, what);
    Schema schema;
    try (Shard first =
        ArrowIpc.fromBytes(
            parts.stream().filter(p -> !p.isEmpty()).findFirst().orElseThrow().get(0),
            ArrowMemory.root())) {
      schema = first.schema();
    }
    // Each partition's bytes go out as a broadcast, which an executor fetches once and keeps (and a
    // replacement for a lost executor fetches again: the driver keeps it). The partitions of a
    // parallelize would carry them inside every task of every job over them, cached or not.
    List<Broadcast<List<byte[]>>> blocks = new ArrayList<>(parts.size());
    for (List<byte[]> part : parts) {
      blocks.add(jsc.broadcast(part));
    }
    JavaRDD<byte[]> bytes =
        jsc.parallelize(IntStream.range(0, numShards).boxed().toList(), numShards)
            .mapPartitionsWithIndex((p, it) -> blocks.get(p).value().iterator(), true);
    String[] name = new String[1];
    XShards out = new XShards(jsc, what, () -> ShardStreams.fromBytes(bytes, name[0]), schema);
    name[0] = out.name;
    return out;
  }

  /** XShards over shards made elsewhere; {@code schema} may be null if not known. */
  public static XShards of(JavaRDD<Shard> shards, Schema schema) {
    return new XShards(
        JavaSparkContext.fromSparkContext(shards.context()), "RDD", () -> shards, schema);
  }

  /**
   * Reads CSV, Parquet or JSON files into XShards: {@code XShards.read().option("header",
   * "true").csv(...)}.
   */
  public static XShardsReader read() {
    return new XShardsReader();
  }

  /** XShards saved with {@link #save}, read lazily, batch by batch. */
  public static XShards load(String path) {
    JavaSparkContext jsc = Sessions.jsc();
    ShardFiles.Loaded loaded = ShardFiles.load(jsc, path, jsc.hadoopConfiguration());
    return new XShards(jsc, "loaded from " + path, loaded::shards, loaded.schema());
  }

  /**
   * The shards, as Spark computes them (from the cache if {@link #cache cached}). Whoever takes a
   * shard from a partition's iterator closes it.
   */
  public JavaRDD<Shard> rdd() {
    JavaRDD<byte[]> c = cached;
    return c != null ? ShardStreams.fromBytes(c, name) : lineage.get();
  }

  public String name() {
    return name;
  }

  /** {@code f} applied to every shard, lazily. See {@link ShardFunction} for who closes what. */
  public XShards transformShard(ShardFunction f) {
    Objects.requireNonNull(f, "f");
    return derived(
        "transformed", () -> rdd().mapPartitions(it -> ShardStreams.map(it, f), true), null);
  }

  /**
   * Every shard with a new float column of {@code width} values per row, written by {@code f} (e.g.
   * predictions from the feature block); lazily. A name the shards already have fails at once if
   * their schema is known, otherwise when the first shard is computed.
   */
  public XShards withColumn(String column, int width, ColumnFunction f) {
    Objects.requireNonNull(f, "f");
    Schema known = schema;
    Schema out = null;
    if (known != null) {
      if (known.getFields().stream().anyMatch(field -> field.getName().equals(column))) {
        throw new OrcaDataException(
            name
                + " already has a column '"
                + column
                + "' (its columns are "
                + known.getFields().stream().map(Field::getName).toList()
                + "); choose another name for the new column,"
                + " or rename or drop the old one before making the shards");
      }
      List<Field> fields = new ArrayList<>(known.getFields());
      fields.add(Shard.floatField(column, width));
      out = new Schema(fields);
    }
    ShardFunction add =
        s ->
            s.withColumn(
                column,
                width,
                block -> {
                  try {
                    f.compute(s, block);
                  } catch (RuntimeException e) {
                    throw e;
                  } catch (Exception e) {
                    throw new OrcaException(
                        "computing column '" + column + "' of " + s.name() + " failed: " + e, e);
                  }
                });
    return derived(
        "with " + column, () -> rdd().mapPartitions(it -> ShardStreams.map(it, add), true), out);
  }

  /**
   * The shards spread over {@code partitions} partitions by a shuffle (of IPC bytes); whole shards
   * move.
   */
  public XShards repartition(int partitions) {
    checkPartitions(partitions);
    return derived(
        "repartitioned",
        () ->
            ShardStreams.fromBytes(
                ShardStreams.toBytes(rdd(), IpcCompression.NONE).repartition(partitions), name),
        schema);
  }

  /**
   * The shards in at most {@code partitions} partitions, without a shuffle (partitions are joined
   * in place).
   */
  public XShards coalesce(int partitions) {
    checkPartitions(partitions);
    return derived("coalesced", () -> rdd().coalesce(partitions), schema);
  }

  /**
   * Splits the rows at random into parts of about the given weights (normalised to sum 1). The same
   * seed gives the same split; the parts are disjoint and together hold every row. Each part
   * recomputes this XShards unless it is {@link #cache cached}.
   */
  public List<XShards> randomSplit(double[] weights, long seed) {
    double total = 0;
    for (double w : weights) {
      if (!(w >= 0)) {
        throw new OrcaDataException(
            "split weights must not be negative: " + java.util.Arrays.toString(weights));
      }
      total += w;
    }
    if (weights.length == 0 || total <= 0) {
      throw new OrcaDataException(
          "give at least one positive split weight: " + java.util.Arrays.toString(weights));
    }
    double[] bounds = new double[weights.length + 1];
    for (int i = 0; i < weights.length; i++) {
      bounds[i + 1] = bounds[i] + weights[i] / total;
    }
    bounds[weights.length] = 1.0000001; // every draw in [0, 1) lands in a part despite rounding
    List<XShards> parts = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      int part = i;
      parts.add(
          derived(
              "split " + i,
              () ->
                  rdd()
                      .mapPartitionsWithIndex(
                          (p, it) -> new RowSplitter(it, p, seed, bounds, part), true),
              schema));
    }
    return parts;
  }

  /**
   * The columns of this XShards and of {@code other} side by side, shard by shard: both must have
   * the same partitions, shards and rows (e.g. both made from one data set), and distinct column
   * names.
   */
  public XShards zip(XShards other) {
    int mine = numPartitions();
    int theirs = other.numPartitions();
    if (mine != theirs) {
      throw new OrcaDataException(
          "cannot zip "
              + name
              + " ("
              + mine
              + " partitions) with "
              + other.name
              + " ("
              + theirs
              + " partitions); zip XShards with the same partitions");
    }
    Schema out = null;
    if (schema != null && other.schema != null) {
      List<Field> fields = new ArrayList<>(schema.getFields());
      fields.addAll(other.schema.getFields());
      out = new Schema(fields);
    }
    String what = name + " with " + other.name();
    return derived(
        "zipped", () -> rdd().zipPartitions(other.rdd(), (a, b) -> ZipShards.zip(a, b, what)), out);
  }

  /**
   * Keeps the shards, once computed, as Arrow IPC bytes in Spark's block manager (memory, spilling
   * to disk) until {@link #uncache}; lazily, like Spark's cache. Returns this XShards.
   */
  public synchronized XShards cache() {
    if (cached == null) {
      cached =
          ShardStreams.toBytes(lineage.get(), IpcCompression.NONE)
              .setName(name + " (cached as Arrow IPC)")
              .persist(StorageLevel.MEMORY_AND_DISK());
    }
    return this;
  }

  /** Drops the cached bytes on every executor, waiting until they are gone. Idempotent. */
  public synchronized XShards uncache() {
    if (cached != null) {
      cached.unpersist(true);
      cached = null;
    }
    return this;
  }

  public synchronized boolean isCached() {
    return cached != null;
  }

  /** The number of rows. */
  public long count() {
    return SparkJobs.run(
        () ->
            rdd()
                .mapPartitions(
                    it -> {
                      long rows = 0;
                      while (it.hasNext()) {
                        try (Shard s = it.next()) {
                          rows += s.rows();
                        }
                      }
                      return List.of(rows).iterator();
                    })
                .fold(0L, Long::sum));
  }

  /** The number of shards (record batches). */
  public long numShards() {
    return SparkJobs.run(
        () -> rdd().mapPartitions(it -> ShardStreams.closing(it, Shard::rows)).count());
  }

  public int numPartitions() {
    return rdd().getNumPartitions();
  }

  /**
   * Every shard, brought to the driver as IPC bytes and opened there; close them (the list closes
   * all).
   */
  public ShardList collect() {
    return open(SparkJobs.run(() -> ShardStreams.toBytes(rdd(), IpcCompression.NONE).collect()));
  }

  /** The first {@code n} shards, computing only as many partitions as needed. */
  public ShardList take(int n) {
    return open(SparkJobs.run(() -> ShardStreams.toBytes(rdd(), IpcCompression.NONE).take(n)));
  }

  /** The first shard; fails if there is none. Close it. */
  public Shard first() {
    ShardList one = take(1);
    if (one.isEmpty()) {
      throw new OrcaDataException(name + " has no shards: the data set is empty");
    }
    return one.get(0);
  }

  /**
   * The Arrow schema of the shards if it is known without computing any (every step since the
   * source told it; {@link #transformShard} cannot), else empty. {@link #schema()} computes it.
   */
  public Optional<Schema> knownSchema() {
    return Optional.ofNullable(schema);
  }

  /** The Arrow schema of the shards (computed from the first shard if no step told it). */
  public Schema schema() {
    Schema s = schema;
    if (s == null) {
      List<String> first = SparkJobs.run(() -> rdd().mapPartitions(XShards::firstSchema).take(1));
      if (first.isEmpty()) {
        throw new OrcaDataException(
            name + " has no shards, so it has no schema: the data set is empty");
      }
      s = SchemaJson.parse(first.get(0));
      schema = s;
    }
    return s;
  }

  /**
   * A DataFrame of the shards' rows: the feature block as an {@code array<float>} column, a
   * one-wide label or added column as {@code float}, kept columns in their own types. Lazy, like
   * the shards.
   */
  public Dataset<Row> toDataFrame() {
    return ArrowToSpark.toDataFrame(Sessions.spark(), rdd(), schema());
  }

  /** Saves the shards under {@code path} (any Hadoop file system), uncompressed. */
  public void save(String path) {
    save(path, IpcCompression.NONE);
  }

  /**
   * Saves the shards under {@code path}, one Arrow IPC file per non-empty partition; {@code path}
   * must not exist.
   */
  public void save(String path, IpcCompression compression) {
    ShardFiles.save(rdd(), path, compression, jsc.hadoopConfiguration());
  }

  /**
   * Puts every shard into the Ray object store as Arrow IPC bytes (starting Ray if the active
   * OrcaContext has not yet) and returns the references with the node each lies on; assign them to
   * actors with {@link ShardPlacement}, and open them there with {@link RayShard#open}.
   *
   * <p>Where the bytes go: with Ray in LOCAL mode and Spark in local mode (the embedded default),
   * Ray and the Spark tasks share this JVM, so each task puts its shards itself as it makes them
   * and nothing passes through the driver. Otherwise (executors in other JVMs, e.g. local-cluster,
   * or a Ray cluster) the tasks' bytes stream to the driver one partition at a time and are put
   * from there: the objects are owned by the driver, outlive the tasks, and all lie on the driver's
   * node. Putting them from the executors of a real cluster (ON_SPARK), so that each shard lies on
   * its executor's node, would need each executor JVM connected to Ray (to the node started beside
   * it) and an actor on each node owning the objects (a Ray object is lost when the process that
   * put it disconnects, and executors come and go); that cannot be exercised here and is not built.
   */
  public List<RayShard> toRay() {
    return RayHandOver.put(rdd(), jsc);
  }

  private static Iterator<String> firstSchema(Iterator<Shard> it) {
    if (!it.hasNext()) {
      return java.util.Collections.emptyIterator();
    }
    try (Shard s = it.next()) {
      return List.of(s.schema().toJson()).iterator();
    }
  }

  private ShardList open(List<byte[]> bytes) {
    List<Shard> shards = new ArrayList<>();
    try {
      for (byte[] b : bytes) {
        shards.add(
            ArrowIpc.fromBytes(
                b, ArrowMemory.root(), name + " shard " + shards.size() + " (on the driver)"));
      }
    } catch (RuntimeException e) {
      Shard.closeAll(shards);
      throw e;
    }
    return new ShardList(shards);
  }

  private XShards derived(String what, Supplier<JavaRDD<Shard>> lineage, Schema schema) {
    return new XShards(jsc, what + " xshards " + id, lineage, schema);
  }

  private static void checkPartitions(int partitions) {
    if (partitions < 1) {
      throw new OrcaDataException("the number of partitions must be at least 1, got " + partitions);
    }
  }

  @Override
  public String toString() {
    return name + (isCached() ? ", cached" : "");
  }
}
