package dev.orca.arrow.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.BlockColumn;
import dev.orca.arrow.ConversionOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.complex.BaseRepeatedValueVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The plan of a conversion, made and checked on the driver from the input's schema and shipped to
 * the tasks: which input columns go into the feature and label blocks (and where), which are kept
 * in their own types, and the Arrow schema of the shards. Every mistake in the column choice is
 * found here, before any data is read.
 */
public final class ShardLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * One source column of a block: a number ({@code width} 1), an array of {@code width} numbers, or
   * (with {@code vector}) a Spark ML vector of {@code width} values, read as doubles; {@code array}
   * is true for both of the latter.
   */
  public record Source(
      String column,
      int ordinal,
      ValueKind kind,
      boolean array,
      boolean vector,
      int width,
      int offset,
      boolean nullable)
      implements Serializable {}

  /** A block: where its values come from. */
  public record Block(String name, String role, List<Source> sources, int width)
      implements Serializable {
    List<BlockColumn> columns() {
      return sources.stream().map(s -> new BlockColumn(s.column(), s.offset(), s.width())).toList();
    }
  }

  /** A column kept in its own type. */
  public record Kept(
      String column,
      int ordinal,
      ValueKind kind,
      boolean array,
      boolean nullable,
      boolean containsNull)
      implements Serializable {}

  private final List<Block> blocks;
  private final List<Kept> kept;
  private final ConversionOptions options;

  private ShardLayout(List<Block> blocks, List<Kept> kept, ConversionOptions options) {
    this.blocks = List.copyOf(blocks);
    this.kept = List.copyOf(kept);
    this.options = options;
  }

  /**
   * Plans the conversion of rows of {@code schema}.
   *
   * @param arrayWidths the length of the arrays of every array column among features and labels
   */
  public static ShardLayout plan(
      StructType schema,
      List<String> features,
      List<String> labels,
      ConversionOptions options,
      Map<String, Integer> arrayWidths) {
    List<String> names = Arrays.asList(schema.fieldNames());
    if (features.isEmpty()) {
      throw new OrcaDataException("no feature columns given; name at least one of " + names);
    }
    checkDistinct(features, labels);
    String featuresName = options.featuresName();
    String labelName = options.labelName();
    if (options.keepsAllColumns()) {
      // every input column keeps its name, so a block gives way (e.g. to a feature column called
      // "features", Spark ML's default name); consumers find blocks by role, not by name
      Set<String> taken = new HashSet<>();
      names.forEach(n -> taken.add(n.toLowerCase(Locale.ROOT)));
      featuresName = freeName(featuresName, taken);
      labelName = freeName(labelName, taken);
    }
    List<Block> blocks = new ArrayList<>();
    blocks.add(block(schema, featuresName, BlockFields.FEATURES, "feature", features, arrayWidths));
    if (!labels.isEmpty()) {
      blocks.add(block(schema, labelName, BlockFields.LABEL, "label", labels, arrayWidths));
    }
    List<String> keep = options.keepsAllColumns() ? names : options.keepColumns();
    List<Kept> kept = new ArrayList<>();
    for (String column : keep) {
      StructField f = field(schema, column, "kept");
      if (column.equals(featuresName) || (!labels.isEmpty() && column.equals(labelName))) {
        throw new OrcaDataException(
            "column '"
                + column
                + "' is kept, but a block has that name too; rename the"
                + " column or the blocks (ConversionOptions.withBlockNames)");
      }
      kept.add(kept(f, schema.fieldIndex(column)));
    }
    return new ShardLayout(blocks, kept, options);
  }

  /**
   * The array and ML vector columns among {@code columns}, whose widths must be known before
   * planning.
   */
  public static List<String> arrayColumns(StructType schema, List<String> columns) {
    List<String> out = new ArrayList<>();
    for (String c : columns) {
      if (List.of(schema.fieldNames()).contains(c)
          && (schema.apply(c).dataType() instanceof ArrayType
              || MlVectors.isVector(schema.apply(c).dataType()))) {
        out.add(c);
      }
    }
    return out;
  }

  public List<Block> blocks() {
    return blocks;
  }

  public List<Kept> kept() {
    return kept;
  }

  public ConversionOptions options() {
    return options;
  }

  /** The ordinals of the input columns a conversion reads, in order. */
  public int[] readColumns() {
    java.util.TreeSet<Integer> read = new java.util.TreeSet<>();
    blocks.forEach(b -> b.sources().forEach(s -> read.add(s.ordinal())));
    kept.forEach(k -> read.add(k.ordinal()));
    return read.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The rows of one shard: the configured count, fewer if rows are wide. */
  public int rowsPerBatch() {
    long rowBytes = 0;
    for (Block b : blocks) {
      rowBytes += (long) b.width() * Float.BYTES;
    }
    for (Kept k : kept) {
      rowBytes += k.array() || k.kind().isVariableWidth() ? 16 : Math.max(1, k.kind().byteWidth());
    }
    return options.rowsPerBatch(rowBytes);
  }

  /** The Arrow schema of the shards: the blocks, then the kept columns. */
  public Schema arrowSchema() {
    List<Field> fields = new ArrayList<>();
    for (Block b : blocks) {
      fields.add(BlockFields.field(b.name(), b.role(), b.columns()));
    }
    for (Kept k : kept) {
      fields.add(keptField(k));
    }
    return new Schema(fields);
  }

  static Field keptField(Kept k) {
    if (!k.array()) {
      return new Field(k.column(), new FieldType(k.nullable(), k.kind().arrowType(), null), null);
    }
    Field element =
        new Field(
            BaseRepeatedValueVector.DATA_VECTOR_NAME,
            new FieldType(k.containsNull(), k.kind().arrowType(), null),
            null);
    return new Field(
        k.column(), new FieldType(k.nullable(), new ArrowType.List(), null), List.of(element));
  }

  private static Block block(
      StructType schema,
      String name,
      String role,
      String what,
      List<String> columns,
      Map<String, Integer> arrayWidths) {
    List<Source> sources = new ArrayList<>();
    int offset = 0;
    for (String column : columns) {
      StructField f = field(schema, column, what);
      DataType type = f.dataType();
      boolean vector = MlVectors.isVector(type);
      boolean array = vector || type instanceof ArrayType;
      DataType valueType = array && !vector ? ((ArrayType) type).elementType() : type;
      ValueKind kind = vector ? ValueKind.DOUBLE : ValueKind.of(valueType);
      if (kind == null || !kind.isNumeric()) {
        throw new OrcaDataException(
            what
                + " column '"
                + column
                + "' has type "
                + type.simpleString()
                + "; feature and"
                + " label columns must be numbers ("
                + ValueKind.NUMERIC_TYPES
                + "), arrays of numbers or Spark ML vectors. Encode it as numbers first (e.g."
                + " with a StringIndexer or a cast) or leave it out.");
      }
      int width = 1;
      boolean nullable = f.nullable();
      if (array) {
        Integer w = arrayWidths.get(column);
        if (w == null) {
          throw new IllegalStateException(
              "the width of array column '" + column + "' was not determined");
        }
        width = w;
        nullable |= !vector && ((ArrayType) type).containsNull();
      }
      sources.add(
          new Source(
              column, schema.fieldIndex(column), kind, array, vector, width, offset, nullable));
      offset += width;
    }
    return new Block(name, role, sources, offset);
  }

  private static Kept kept(StructField f, int ordinal) {
    DataType type = f.dataType();
    boolean array = type instanceof ArrayType;
    ValueKind kind = ValueKind.of(array ? ((ArrayType) type).elementType() : type);
    if (kind == null || (array && !kind.isNumeric())) {
      throw new OrcaDataException(
          "column '"
              + f.name()
              + "' has type "
              + type.simpleString()
              + ", which cannot be kept"
              + " in a shard; kept columns may be "
              + ValueKind.CARRIED_TYPES
              + ". Drop the column or cast it.");
    }
    return new Kept(
        f.name(), ordinal, kind, array, f.nullable(), array && ((ArrayType) type).containsNull());
  }

  private static StructField field(StructType schema, String column, String what) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(column)) {
        return f;
      }
    }
    throw new OrcaDataException(
        what
            + " column '"
            + column
            + "' is not in the data; its columns are "
            + Arrays.toString(schema.fieldNames()));
  }

  /**
   * {@code wanted}, or it with underscores in front until no name in {@code taken} (lower case:
   * Spark resolves names regardless of case) has it; the name is added to {@code taken}.
   */
  private static String freeName(String wanted, Set<String> taken) {
    String name = wanted;
    while (taken.contains(name.toLowerCase(Locale.ROOT))) {
      name = "_" + name;
    }
    taken.add(name.toLowerCase(Locale.ROOT));
    return name;
  }

  private static void checkDistinct(List<String> features, List<String> labels) {
    Set<String> seen = new HashSet<>();
    for (String c : features) {
      if (!seen.add(c)) {
        throw new OrcaDataException("feature column '" + c + "' is named twice");
      }
    }
    for (String c : labels) {
      if (!seen.add(c)) {
        throw new OrcaDataException(
            "column '"
                + c
                + "' is named "
                + (features.contains(c) ? "both as a feature and as a label" : "twice as a label")
                + "; a column can be in one block once");
      }
    }
  }
}
