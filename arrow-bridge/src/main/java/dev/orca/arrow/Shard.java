package dev.orca.arrow;

import dev.orca.OrcaDataException;
import dev.orca.arrow.internal.BlockFields;
import dev.orca.arrow.internal.RowCopy;
import dev.orca.arrow.internal.ShardData;
import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One Arrow record batch of a data set, in off-heap memory: a bounded number of rows, with the
 * feature columns assembled into one {@link FloatBlock} ({@link #features()}), the label columns
 * into another ({@link #labels()}), and any other columns kept in their own Arrow types.
 *
 * <p>A shard is a handle: {@link #close()} gives its memory back (idempotent), {@link #retain()}
 * makes another handle on the same memory, which is freed when the last handle closes. Shards made
 * from a shard ({@link #withColumn}, {@link #withColumnsOf}) share its memory, so the original may
 * be closed at once. Views taken from a shard ({@link #root()}, blocks) are valid while it is open.
 *
 * <p>A shard is {@link Serializable} through Arrow IPC, so Spark can ship it; the copy that arrives
 * is a new shard in the receiver's memory ({@link ArrowMemory#current()}), to be closed there.
 */
public final class Shard implements AutoCloseable, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private final transient ShardData data;
  private final transient AtomicBoolean closed = new AtomicBoolean();

  private Shard(ShardData data) {
    this.data = data;
  }

  /**
   * A shard over {@code root}, taking ownership of its vectors and of {@code allocator} (which they
   * must have been allocated from): both are closed when the shard is.
   */
  public static Shard wrap(VectorSchemaRoot root, BufferAllocator allocator) {
    return new Shard(
        new ShardData(allocator.getName(), root, allocator, root.getFieldVectors(), List.of()));
  }

  /**
   * A shard of {@code features} ({@code rows x width}, row-major) and, unless null, {@code labels}
   * ({@code rows x labelWidth}), copied into a new child of {@code parent}. The values are taken as
   * they are: checking them for NaN or infinity is the caller's choice ({@code XShards.fromArrays}
   * applies its null policy before it calls this).
   */
  public static Shard fromArrays(
      String name,
      float[] features,
      int width,
      float[] labels,
      int labelWidth,
      BufferAllocator parent) {
    if (width < 1 || features.length % width != 0) {
      throw new OrcaDataException(
          "features of " + features.length + " values are not rows of width " + width);
    }
    int rows = features.length / width;
    if (labels != null && (labelWidth < 1 || labels.length != (long) rows * labelWidth)) {
      throw new OrcaDataException(
          rows
              + " rows of features need "
              + rows
              + " x "
              + labelWidth
              + " labels, got "
              + labels.length);
    }
    List<Field> fields = new ArrayList<>();
    fields.add(
        BlockFields.field(
            "features", BlockFields.FEATURES, List.of(new BlockColumn("features", 0, width))));
    if (labels != null) {
      fields.add(
          BlockFields.field(
              "label", BlockFields.LABEL, List.of(new BlockColumn("label", 0, labelWidth))));
    }
    BufferAllocator allocator = parent.newChildAllocator(name, 0, Long.MAX_VALUE);
    List<FieldVector> vectors = new ArrayList<>();
    try {
      float[][] values =
          labels == null ? new float[][] {features} : new float[][] {features, labels};
      for (int i = 0; i < fields.size(); i++) {
        FieldVector v = BlockFields.allocate(fields.get(i), allocator, rows);
        vectors.add(v);
        FloatBlock.of(v).copyFrom(values[i], 0);
      }
      return wrap(new VectorSchemaRoot(fields, vectors, rows), allocator);
    } catch (RuntimeException e) {
      vectors.forEach(FieldVector::close);
      allocator.close();
      throw e;
    }
  }

  /** A name saying where the shard comes from (also its allocator's name). */
  public String name() {
    return data.name();
  }

  public int rows() {
    return root().getRowCount();
  }

  public Schema schema() {
    return root().getSchema();
  }

  /** The Arrow batch; owned by the shard: read it, do not close it. */
  public VectorSchemaRoot root() {
    checkOpen();
    return data.root();
  }

  /** The feature block. */
  public FloatBlock features() {
    return block(roleField(BlockFields.FEATURES));
  }

  /**
   * The feature values per row of shards of {@code schema} (the width of their feature block), read
   * from the schema alone; empty if it has no feature block.
   */
  public static OptionalInt featureWidth(Schema schema) {
    return blockWidth(schema, BlockFields.FEATURES);
  }

  /**
   * The label values per row of shards of {@code schema}, read from the schema alone; empty if it
   * has no label block.
   */
  public static OptionalInt labelWidth(Schema schema) {
    return blockWidth(schema, BlockFields.LABEL);
  }

  private static OptionalInt blockWidth(Schema schema, String role) {
    for (Field f : schema.getFields()) {
      if (role.equals(BlockFields.role(f)) && BlockFields.isBlock(f)) {
        return OptionalInt.of(BlockFields.width(f));
      }
    }
    return OptionalInt.empty();
  }

  /** The source columns of the feature block and where each lies in a row. */
  public List<BlockColumn> featureColumns() {
    return features().columns();
  }

  public boolean hasLabels() {
    return findRole(BlockFields.LABEL) != null;
  }

  /** The label block. */
  public FloatBlock labels() {
    return block(roleField(BlockFields.LABEL));
  }

  /** Any float column, or fixed-size list of floats, as a block. */
  public FloatBlock block(String column) {
    Field field = field(column);
    if (!BlockFields.isBlock(field)) {
      throw new OrcaDataException(
          "column '"
              + column
              + "' of shard "
              + name()
              + " has type "
              + field.getType()
              + "; only float columns and fixed-size lists of floats are float blocks");
    }
    return data.block(column);
  }

  /** The field of a column; fails naming the columns the shard has. */
  public Field field(String column) {
    for (Field f : schema().getFields()) {
      if (f.getName().equals(column)) {
        return f;
      }
    }
    throw new OrcaDataException(
        "shard " + name() + " has no column '" + column + "'; it has " + columnNames());
  }

  public List<String> columnNames() {
    return schema().getFields().stream().map(Field::getName).toList();
  }

  /** Another handle on the same memory; close each handle. */
  public Shard retain() {
    checkOpen();
    data.retain();
    return new Shard(data);
  }

  /**
   * A shard with the columns of this one and a new float column of {@code width} values per row,
   * which {@code fill} writes (e.g. the engine writing predictions straight into it). Shares this
   * shard's memory.
   */
  public Shard withColumn(String name, int width, Consumer<FloatBlock> fill) {
    checkNewName(name);
    BufferAllocator allocator =
        ArrowMemory.current().newChildAllocator(name() + " + " + name, 0, Long.MAX_VALUE);
    FieldVector vector = null;
    try {
      vector = BlockFields.allocate(floatField(name, width), allocator, rows());
      fill.accept(FloatBlock.of(vector));
      return derived(allocator, List.of(vector), List.of(retain()));
    } catch (RuntimeException e) {
      if (vector != null) {
        vector.close();
      }
      allocator.close();
      throw e;
    }
  }

  /**
   * The Arrow field {@link #withColumn(String, int, Consumer)} adds: a float column, or a
   * fixed-size list.
   */
  public static Field floatField(String name, int width) {
    return BlockFields.plain(name, width);
  }

  /**
   * {@link #withColumn(String, int, Consumer)} from a row-major array of {@code rows * width}
   * values.
   */
  public Shard withColumn(String name, float[] values, int width) {
    if (values.length != (long) rows() * width) {
      throw new OrcaDataException(
          "column '"
              + name
              + "' needs "
              + rows()
              + " x "
              + width
              + " = "
              + (long) rows() * width
              + " values for shard "
              + name()
              + ", got "
              + values.length);
    }
    return withColumn(name, width, block -> block.copyFrom(values, 0));
  }

  /**
   * A shard with the columns of this one, then those of {@code other}; same rows, shared memory.
   */
  public Shard withColumnsOf(Shard other) {
    if (other.rows() != rows()) {
      throw new OrcaDataException(
          "cannot put the columns of shard "
              + other.name()
              + " ("
              + other.rows()
              + " rows) beside those of shard "
              + name()
              + " ("
              + rows()
              + " rows): the row counts differ");
    }
    for (String column : other.columnNames()) {
      checkNewName(column);
    }
    BufferAllocator allocator =
        ArrowMemory.current().newChildAllocator(name() + " + " + other.name(), 0, Long.MAX_VALUE);
    return derived(
        allocator, List.of(), List.of(retain(), other.retain()), other.root().getFieldVectors());
  }

  /** A new shard holding copies of the given rows, in that order. */
  public Shard selectRows(int[] rows) {
    BufferAllocator allocator =
        ArrowMemory.current().newChildAllocator(name() + " rows", 0, Long.MAX_VALUE);
    return wrap(RowCopy.select(root(), rows, allocator), allocator);
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Releases this handle; the memory goes when the last handle on it closes. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      data.release();
    }
  }

  /** Closes every shard given, even if some fail; rethrows the first failure. */
  public static void closeAll(Iterable<Shard> shards) {
    RuntimeException first = null;
    for (Shard s : shards) {
      try {
        s.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private Shard derived(
      BufferAllocator allocator,
      List<FieldVector> added,
      List<Shard> parents,
      List<FieldVector> shown) {
    List<FieldVector> vectors = new ArrayList<>(root().getFieldVectors());
    vectors.addAll(shown);
    vectors.addAll(added);
    List<Field> fields = vectors.stream().map(FieldVector::getField).toList();
    VectorSchemaRoot root = new VectorSchemaRoot(fields, vectors, rows());
    return new Shard(new ShardData(allocator.getName(), root, allocator, added, parents));
  }

  private Shard derived(BufferAllocator allocator, List<FieldVector> added, List<Shard> parents) {
    return derived(allocator, added, parents, List.of());
  }

  private void checkNewName(String column) {
    Set<String> names = new HashSet<>(columnNames());
    if (names.contains(column)) {
      throw new OrcaDataException(
          "shard " + name() + " already has a column '" + column + "'; choose another name");
    }
  }

  private String roleField(String role) {
    Field f = findRole(role);
    if (f == null) {
      throw new OrcaDataException(
          "shard "
              + name()
              + " has no "
              + role
              + " block; its columns are "
              + columnNames()
              + (BlockFields.LABEL.equals(role)
                  ? ". Give label columns when making the shards."
                  : ""));
    }
    return f.getName();
  }

  private Field findRole(String role) {
    for (Field f : schema().getFields()) {
      if (role.equals(BlockFields.role(f))) {
        return f;
      }
    }
    return null;
  }

  private void checkOpen() {
    if (closed.get() || data.isFreed()) {
      throw new IllegalStateException(
          "shard "
              + data.name()
              + " is closed; its memory has been given back."
              + " Keep it open while you use it, or retain() another handle.");
    }
  }

  @Serial
  private Object writeReplace() throws ObjectStreamException {
    return new ShardBytes(ArrowIpc.toBytes(this));
  }

  @Override
  public String toString() {
    return "Shard["
        + data.name()
        + ", "
        + (isClosed() ? "closed" : rows() + " rows, " + columnNames())
        + "]";
  }

  /** The serialized form of a shard: its Arrow IPC bytes. */
  private record ShardBytes(byte[] ipc) implements Serializable {
    @Serial
    private Object readResolve() throws ObjectStreamException {
      return ArrowIpc.fromBytes(ipc, ArrowMemory.current());
    }
  }
}
