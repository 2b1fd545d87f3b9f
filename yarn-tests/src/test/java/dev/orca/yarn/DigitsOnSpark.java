package dev.orca.yarn;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.row_number;

import dev.orca.data.XShards;
import dev.orca.sampledata.SampleData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The digits (sample-data) as cached training and test shards: 64 pixels scaled to [0, 1] and the
 * label, 80/20 within each label with seed 0. The executors read the CSV themselves, from an
 * absolute path: their containers run on this machine, in folders of their own.
 */
record DigitsOnSpark(XShards train, XShards test) implements AutoCloseable {
  static DigitsOnSpark load(SparkSession spark) {
    Path csv = SampleData.DIGITS.copyTo(Path.of("target", "sample-data").toAbsolutePath());
    StructType schema = new StructType();
    List<Column> pixels = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      schema = schema.add("p" + i, DataTypes.FloatType);
      pixels.add(col("p" + i).divide(16f).cast(DataTypes.FloatType));
    }
    schema = schema.add("label", DataTypes.FloatType);
    Dataset<Row> df =
        spark
            .read()
            .schema(schema)
            .csv(csv.toString())
            .select(array(pixels.toArray(Column[]::new)).as("pixels"), col("label"))
            .repartition(4);
    Dataset<Row> ranked =
        df.withColumn("r", rand(0))
            .withColumn("rank", row_number().over(Window.partitionBy("label").orderBy("r")))
            .withColumn("n", count(lit(1)).over(Window.partitionBy("label")));
    Column test = col("rank").leq(col("n").multiply(0.2));
    return new DigitsOnSpark(
        shards(ranked.where(not(test))).cache(), shards(ranked.where(test)).cache());
  }

  private static XShards shards(Dataset<Row> df) {
    return XShards.fromDataFrame(df.select("pixels", "label"), List.of("pixels"), List.of("label"));
  }

  @Override
  public void close() {
    train.uncache();
    test.uncache();
  }
}
