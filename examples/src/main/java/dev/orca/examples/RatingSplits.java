package dev.orca.examples;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sequence;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * MovieLens ratings made ready for a model, in Spark: user and movie ids re-indexed to dense {@code
 * 0..n-1} (as floats holding whole numbers, which is how the engine's {@code Embedding} takes ids),
 * then split leave-one-out by time: each user's latest rating is the test, the one before it
 * validation, the rest training (users with fewer than three ratings train only). Columns of every
 * part: {@code user, item, rating}; the parts are cached until {@link #unpersist}.
 */
public record RatingSplits(
    Dataset<Row> train, Dataset<Row> validation, Dataset<Row> test, int users, int items) {

  /**
   * Splits {@code ratings} (as {@link MovieLensRatings#read} returns them) into {@code partitions}
   * each.
   */
  public static RatingSplits leaveLastOut(Dataset<Row> ratings, int partitions) {
    Dataset<Row> users = denseIds(ratings, "user_id", "user");
    Dataset<Row> items = denseIds(ratings, "movie_id", "item");
    Dataset<Row> indexed =
        ratings
            .join(broadcast(users), "user_id")
            .join(broadcast(items), "movie_id")
            .select("user", "item", "rating", "timestamp");
    WindowSpec byUser = Window.partitionBy("user");
    Dataset<Row> ranked =
        indexed
            .withColumn(
                "recency", row_number().over(byUser.orderBy(col("timestamp").desc(), col("item"))))
            .withColumn("n", count(lit(1)).over(byUser));
    ranked.cache();
    Dataset<Row> train = part(ranked, col("recency").gt(2).or(col("n").lt(3)), partitions);
    Dataset<Row> validation =
        part(ranked, col("recency").equalTo(2).and(col("n").geq(3)), partitions);
    Dataset<Row> test = part(ranked, col("recency").equalTo(1).and(col("n").geq(3)), partitions);
    train.count(); // materialise the caches before the ranking they come from is dropped
    validation.count();
    test.count();
    ranked.unpersist();
    return new RatingSplits(train, validation, test, (int) users.count(), (int) items.count());
  }

  /**
   * For every test user: the test item ({@code positive = true}) and {@code negatives} items the
   * user never rated, drawn uniformly ({@code positive = false}). Columns {@code user, item,
   * positive}.
   */
  public Dataset<Row> candidates(int negatives, long seed) {
    Dataset<Row> rated = train.union(validation).union(test).select("user", "item");
    Dataset<Row> drawn =
        test.select(col("user"), explode(sequence(lit(1), lit(2 * negatives + 20))).as("k"))
            .withColumn("item", floor(rand(seed).multiply(items)).cast(DataTypes.FloatType))
            .select("user", "item")
            .distinct()
            .join(rated, new String[] {"user", "item"}, "left_anti");
    Dataset<Row> sampled =
        drawn
            .withColumn("r", row_number().over(Window.partitionBy("user").orderBy(rand(seed + 1))))
            .where(col("r").leq(negatives))
            .select(col("user"), col("item"), lit(false).as("positive"));
    return test.select(col("user"), col("item"), lit(true).as("positive")).union(sampled);
  }

  public void unpersist() {
    train.unpersist();
    validation.unpersist();
    test.unpersist();
  }

  private static Dataset<Row> part(
      Dataset<Row> ranked, org.apache.spark.sql.Column which, int partitions) {
    return ranked.where(which).select("user", "item", "rating").repartition(partitions).cache();
  }

  /**
   * {@code idColumn}'s distinct values numbered 0, 1, ... in increasing order, into {@code
   * indexColumn}.
   */
  private static Dataset<Row> denseIds(Dataset<Row> ratings, String idColumn, String indexColumn) {
    JavaRDD<Row> numbered =
        ratings
            .select(idColumn)
            .distinct()
            .orderBy(idColumn)
            .javaRDD()
            .zipWithIndex()
            .map(t -> RowFactory.create(t._1().getInt(0), (float) (long) t._2()));
    StructType schema =
        new StructType().add(idColumn, DataTypes.IntegerType).add(indexColumn, DataTypes.FloatType);
    return ratings.sparkSession().createDataFrame(numbered, schema).cache();
  }
}
