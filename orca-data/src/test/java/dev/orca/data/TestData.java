package dev.orca.data;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;

import dev.orca.arrow.Shard;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.IntVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A DataFrame computed from row ids, so every value can be checked from the id alone: features
 * {@code a = id / 2}, {@code b = id % 7}, {@code v = [id, -id]}; label {@code id % 3}.
 */
final class TestData {
  static final List<String> FEATURES = List.of("a", "b", "v");
  static final List<String> LABELS = List.of("label");

  private TestData() {}

  static Dataset<Row> frame(SparkSession spark, long rows, int partitions) {
    return spark
        .range(0, rows, 1, partitions)
        .select(
            col("id").cast("int").as("id"),
            col("id").multiply(0.5).cast("float").as("a"),
            col("id").mod(7).cast("double").as("b"),
            array(col("id").cast("float"), col("id").multiply(-1).cast("float")).as("v"),
            col("id").mod(3).cast("int").as("label"));
  }

  static float[] features(int id) {
    return new float[] {id * 0.5f, id % 7, id, -id};
  }

  static float label(int id) {
    return id % 3;
  }

  /**
   * Checks every row of a shard that kept the {@code id} column against the formulas; returns the
   * ids.
   */
  static List<Integer> check(Shard s) {
    IntVector ids = (IntVector) s.root().getVector("id");
    Integer[] out = new Integer[s.rows()];
    for (int r = 0; r < s.rows(); r++) {
      int id = ids.get(r);
      out[r] = id;
      float[] expected = features(id);
      for (int c = 0; c < expected.length; c++) {
        if (s.features().get(r, c) != expected[c]) {
          throw new AssertionError(
              "row " + r + " (id " + id + ") feature " + c + ": " + s.features().get(r, c));
        }
      }
      if (s.hasLabels() && s.labels().get(r, 0) != label(id)) {
        throw new AssertionError("row " + r + " (id " + id + ") label " + s.labels().get(r, 0));
      }
    }
    return List.of(out);
  }

  /** How many rows hold each id. */
  static Map<Integer, Integer> idCounts(List<Shard> shards) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (Shard s : shards) {
      for (int id : check(s)) {
        counts.merge(id, 1, Integer::sum);
      }
    }
    return counts;
  }
}
