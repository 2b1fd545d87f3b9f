package dev.orca.arrow.internal;

import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.columnar.ColumnAccessor;
import org.apache.spark.sql.execution.columnar.DefaultCachedBatch;
import org.apache.spark.sql.execution.columnar.DefaultCachedBatchSerializer;
import org.apache.spark.sql.execution.columnar.InMemoryRelation;
import org.apache.spark.sql.execution.columnar.InMemoryTableScanExec;
import org.apache.spark.sql.execution.columnar.compression.PassThrough$;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.immutable.Seq;

/**
 * The adapter to Spark's in-memory cache (a cached DataFrame): its batches as Spark stores them,
 * read without Spark's decoding into new column arrays. A column with no null that Spark did not
 * compress (random floats and doubles never are) is read where it lies ({@link CachedColumn}); any
 * other column the conversion reads is decoded by Spark's own decoder, as its scan would. Only the
 * columns the conversion reads are touched.
 */
final class SparkCache {
  private SparkCache() {}

  /**
   * The batches of the cache {@code plan} scans, as column batches of {@code schema} in which the
   * columns {@code read} are filled (the others are null); empty unless {@code plan} is a scan of
   * the whole cache in Spark's default format and every column read is a number or boolean.
   */
  static Optional<JavaRDD<ColumnarBatch>> batches(SparkPlan plan, StructType schema, int[] read) {
    if (!(plan instanceof InMemoryTableScanExec scan) || !scan.predicates().isEmpty()) {
      return Optional.empty(); // with predicates, Spark skips batches by their statistics
    }
    InMemoryRelation relation = scan.relation();
    if (relation.cacheBuilder().serializer().getClass() != DefaultCachedBatchSerializer.class) {
      return Optional.empty();
    }
    Seq<Attribute> cached = relation.output();
    int[] index = new int[schema.size()];
    Arrays.fill(index, -1);
    DataType[] types = new DataType[schema.size()];
    for (int o : read) {
      types[o] = schema.fields()[o].dataType();
      index[o] = position(cached, scan.attributes().apply(o));
      if (!decodable(types[o]) || index[o] < 0) {
        return Optional.empty();
      }
    }
    int passThrough = PassThrough$.MODULE$.typeId();
    return Optional.of(
        relation
            .cacheBuilder()
            .cachedColumnBuffers()
            .toJavaRDD()
            .map(b -> batch((DefaultCachedBatch) b, index, types, passThrough)));
  }

  private static ColumnarBatch batch(
      DefaultCachedBatch cached, int[] index, DataType[] types, int passThrough) {
    int rows = cached.numRows();
    ColumnVector[] columns = new ColumnVector[index.length];
    for (int o = 0; o < index.length; o++) {
      if (index[o] >= 0) {
        byte[] bytes = cached.buffers()[index[o]];
        ColumnVector c = CachedColumn.of(types[o], bytes, rows, passThrough);
        if (c == null) {
          OnHeapColumnVector decoded = new OnHeapColumnVector(rows, types[o]);
          ColumnAccessor.decompress(bytes, decoded, types[o], rows);
          c = decoded;
        }
        columns[o] = c;
      }
    }
    return new ColumnarBatch(columns, rows);
  }

  private static int position(Seq<Attribute> cached, Attribute a) {
    for (int i = 0; i < cached.size(); i++) {
      if (cached.apply(i).exprId().equals(a.exprId())) {
        return i;
      }
    }
    return -1;
  }

  /** The types Spark's decoder turns into column vectors (as its own columnar scan allows). */
  private static boolean decodable(DataType t) {
    return t.equals(DataTypes.BooleanType)
        || t.equals(DataTypes.ByteType)
        || t.equals(DataTypes.ShortType)
        || t.equals(DataTypes.IntegerType)
        || t.equals(DataTypes.LongType)
        || t.equals(DataTypes.FloatType)
        || t.equals(DataTypes.DoubleType);
  }
}
