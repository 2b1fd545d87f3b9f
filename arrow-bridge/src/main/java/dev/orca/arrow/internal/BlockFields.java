package dev.orca.arrow.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orca.OrcaDataException;
import dev.orca.arrow.BlockColumn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.complex.BaseRepeatedValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * The Arrow form of a float block: a non-nullable {@code Float4} column when it is one value wide
 * (and not the features), else a {@code FixedSizeList<Float4>} of its width. The field's metadata
 * records the block's role ({@code features}, {@code label}) and the source columns it was
 * assembled from, so the layout survives IPC bytes and files.
 */
public final class BlockFields {
  public static final String ROLE = "orca.role";
  public static final String COLUMNS = "orca.columns";
  public static final String FEATURES = "features";
  public static final String LABEL = "label";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ArrowType FLOAT = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);

  private BlockFields() {}

  /**
   * The field of a block named {@code name} with {@code role} (null for none) made of {@code
   * columns}.
   */
  public static Field field(String name, String role, List<BlockColumn> columns) {
    int width = columns.isEmpty() ? 0 : columns.get(columns.size() - 1).end();
    Map<String, String> meta = new LinkedHashMap<>();
    if (role != null) {
      meta.put(ROLE, role);
    }
    meta.put(COLUMNS, encode(columns));
    // features stay two-dimensional even when one wide: the engine reads them as rows x width
    if (width == 1 && !FEATURES.equals(role)) {
      return new Field(name, new FieldType(false, FLOAT, null, meta), null);
    }
    Field element =
        new Field(
            BaseRepeatedValueVector.DATA_VECTOR_NAME, new FieldType(false, FLOAT, null), null);
    return new Field(
        name,
        new FieldType(false, new ArrowType.FixedSizeList(width), null, meta),
        List.of(element));
  }

  /** A block field for a plain float column of {@code width} values (e.g. a prediction). */
  public static Field plain(String name, int width) {
    return field(name, null, List.of(new BlockColumn(name, 0, width)));
  }

  /** True if {@code field} can be viewed as a float block. */
  public static boolean isBlock(Field field) {
    ArrowType type = field.getType();
    if (FLOAT.equals(type)) {
      return true;
    }
    return type instanceof ArrowType.FixedSizeList
        && field.getChildren().size() == 1
        && FLOAT.equals(field.getChildren().get(0).getType());
  }

  public static String role(Field field) {
    return field.getMetadata() == null ? null : field.getMetadata().get(ROLE);
  }

  /**
   * The source columns of a block field; one column of the field's own name if none are recorded.
   */
  public static List<BlockColumn> columns(Field field, int width) {
    String encoded = field.getMetadata() == null ? null : field.getMetadata().get(COLUMNS);
    return encoded == null ? List.of(new BlockColumn(field.getName(), 0, width)) : decode(encoded);
  }

  /** The width of a block field. */
  public static int width(Field field) {
    return field.getType() instanceof ArrowType.FixedSizeList list ? list.getListSize() : 1;
  }

  /** The float values of a block vector: the vector itself, or a fixed-size list's child. */
  public static Float4Vector data(FieldVector vector) {
    if (vector instanceof Float4Vector f) {
      return f;
    }
    if (vector instanceof FixedSizeListVector list
        && list.getDataVector() instanceof Float4Vector f) {
      return f;
    }
    throw new IllegalArgumentException(
        "column '"
            + vector.getName()
            + "' of type "
            + vector.getField().getType()
            + " is not a float block (a float column or a fixed-size list of floats)");
  }

  /**
   * A block vector of {@code rows} rows for {@code field}, allocated at exactly its size, for the
   * caller to write at {@code FloatBlock.of(vector).address()}.
   */
  public static FieldVector allocate(Field field, BufferAllocator allocator, int rows) {
    FieldVector vector = field.createVector(allocator);
    try (ArrowBuf values = allocator.buffer((long) rows * width(field) * Float.BYTES)) {
      load(vector, values, rows);
    } catch (RuntimeException e) {
      vector.close();
      throw e;
    }
    return vector;
  }

  /**
   * Makes {@code values} (at least {@code rows * width} floats) the data of the block vector {@code
   * vector}, with {@code rows} rows, all valid. The vector takes its own reference: the caller
   * still closes {@code values}. Arrow's own allocation would round every block up to a power of
   * two, up to twice the memory; this way a block costs what it holds.
   */
  public static void load(FieldVector vector, ArrowBuf values, int rows) {
    int width = width(vector.getField());
    Float4Vector data = data(vector);
    BufferAllocator allocator = vector.getAllocator();
    // a field node with no nulls makes Arrow build a validity buffer with every bit set
    data.loadFieldBuffers(
        new ArrowFieldNode((long) rows * width, 0), List.of(allocator.getEmpty(), values));
    if (vector != data) {
      vector.loadFieldBuffers(new ArrowFieldNode(rows, 0), List.of(allocator.getEmpty()));
    }
  }

  private static String encode(List<BlockColumn> columns) {
    List<Object[]> out = new ArrayList<>();
    for (BlockColumn c : columns) {
      out.add(new Object[] {c.name(), c.width()});
    }
    try {
      return JSON.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<BlockColumn> decode(String encoded) {
    try {
      List<BlockColumn> out = new ArrayList<>();
      int offset = 0;
      for (Object[] c : JSON.readValue(encoded, Object[][].class)) {
        int width = ((Number) c[1]).intValue();
        out.add(new BlockColumn((String) c[0], offset, width));
        offset += width;
      }
      return out;
    } catch (JsonProcessingException e) {
      throw new OrcaDataException(
          "the Arrow schema's block layout '"
              + encoded
              + "' cannot be read ("
              + e.getOriginalMessage()
              + "): the shard files were not written by Orca, or are damaged",
          e);
    }
  }
}
