package dev.orca.arrow;

import dev.orca.OrcaDataException;
import dev.orca.arrow.internal.SparkColumns;
import dev.orca.arrow.internal.SparkInternals;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Shards back to Spark: a DataFrame over an RDD of shards (e.g. predictions appended with {@link
 * Shard#withColumn}), whose rows are read straight from the Arrow memory. Float blocks become
 * {@code array<float>} columns (a one-wide label or prediction a {@code float} column), kept
 * columns their original types.
 */
public final class ArrowToSpark {
  private ArrowToSpark() {}

  /** The Spark schema of rows read from shards of {@code schema}. */
  public static StructType sparkSchema(Schema schema) {
    return SparkColumns.sparkSchema(schema);
  }

  /**
   * A DataFrame of the rows of {@code shards}, all of Arrow schema {@code schema}. Lazy like the
   * RDD; each shard is closed once its rows have been read.
   */
  public static Dataset<Row> toDataFrame(SparkSession spark, JavaRDD<Shard> shards, Schema schema) {
    StructType sparkSchema = sparkSchema(schema);
    JavaRDD<InternalRow> rows = shards.mapPartitions(it -> rows(it, sparkSchema));
    return SparkInternals.createDataFrame(spark, rows.rdd(), sparkSchema);
  }

  /** The rows of one shard, valid while it is open; one reused row object. */
  public static Iterator<InternalRow> rows(Shard shard) {
    StructType schema = sparkSchema(shard.schema());
    return new ColumnarBatch(SparkColumns.columns(shard.root(), schema), shard.rows())
        .rowIterator();
  }

  /**
   * The rows of a stream of shards, each closed when its rows have been read. Spark may stop
   * reading early (a limit, {@code show()}, {@code first()}): the shard being read is then closed
   * when the task ends, and shards not yet taken from {@code shards} are never made. Every shard
   * must give rows of {@code schema}.
   */
  public static Iterator<InternalRow> rows(Iterator<Shard> shards, StructType schema) {
    ShardRows rows = new ShardRows(shards, schema);
    ArrowMemory.closeWhenTaskEnds(rows);
    return rows;
  }

  /**
   * The rows of the shard being read, then of the next; owns that shard until its rows are read.
   */
  private static final class ShardRows implements Iterator<InternalRow>, AutoCloseable {
    private final Iterator<Shard> shards;
    private final StructType schema;
    private Shard current;
    private Iterator<InternalRow> rows = Collections.emptyIterator();

    ShardRows(Iterator<Shard> shards, StructType schema) {
      this.shards = shards;
      this.schema = schema;
    }

    @Override
    public boolean hasNext() {
      while (!rows.hasNext()) {
        close();
        if (!shards.hasNext()) {
          return false;
        }
        current = shards.next();
        StructType actual = sparkSchema(current.schema());
        if (!actual.equals(schema)) {
          Shard bad = current;
          close();
          throw new OrcaDataException(
              "shard "
                  + bad.name()
                  + " has columns "
                  + actual.simpleString()
                  + " where the data set has "
                  + schema.simpleString()
                  + "; every shard must have the same columns");
        }
        rows =
            new ColumnarBatch(SparkColumns.columns(current.root(), schema), current.rows())
                .rowIterator();
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return rows.next();
    }

    /** Closes the shard being read; the rows read from it are invalid from then on. Idempotent. */
    @Override
    public void close() {
      Shard s = current;
      current = null;
      rows = Collections.emptyIterator();
      if (s != null) {
        s.close();
      }
    }
  }
}
