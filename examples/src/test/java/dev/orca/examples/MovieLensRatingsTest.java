package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.context.OrcaContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MovieLens reader on both formats, the generator behind them, and the leave-last-out split.
 */
class MovieLensRatingsTest {
  private static OrcaContext orca;

  @BeforeAll
  static void start() {
    orca = OrcaContext.init();
  }

  @AfterAll
  static void stop() {
    orca.stop();
  }

  @Test
  void bothFormatsReadTheSameRatings(@TempDir Path dir) throws Exception {
    RatingsGenerator generator = new RatingsGenerator(50, 40, 8, 4, 3);
    Path dat = dir.resolve("ratings.dat");
    Path csv = dir.resolve("ratings.csv");
    long n = generator.write(dat, MovieLensRatings.Format.DOUBLE_COLON);
    assertEquals(n, generator.write(csv, MovieLensRatings.Format.CSV));
    assertTrue(
        Files.readAllLines(dat).get(0).matches("1::\\d+::[1-5]::\\d+"),
        Files.readAllLines(dat).get(0));
    assertEquals("userId,movieId,rating,timestamp", Files.readAllLines(csv).get(0));
    SparkSession spark = orca.spark();
    Dataset<Row> a = MovieLensRatings.read(spark, dat.toString());
    Dataset<Row> b = MovieLensRatings.read(spark, csv.toString());
    assertEquals(n, a.count());
    assertEquals(
        0, a.exceptAll(b).count() + b.exceptAll(a).count(), "the two formats read differently");
    assertEquals(50, a.select("user_id").distinct().count());
    Row range = a.selectExpr("min(rating)", "max(rating)", "min(movie_id)").first();
    assertTrue(range.getFloat(0) >= 1 && range.getFloat(1) <= 5);
    assertEquals(1, (range.getInt(2) - 1) % 3 == 0 ? 1 : 0, "movie ids are 1 + 3i");
  }

  @Test
  void leaveLastOutKeepsEachUsersLatestForTest(@TempDir Path dir) {
    Path dat = dir.resolve("ratings.dat");
    new RatingsGenerator(30, 40, 8, 4, 5).write(dat, MovieLensRatings.Format.DOUBLE_COLON);
    Dataset<Row> ratings = MovieLensRatings.read(orca.spark(), dat.toString());
    RatingSplits s = RatingSplits.leaveLastOut(ratings, 2);
    try {
      assertEquals(30, s.test().count(), "one test rating per user");
      assertEquals(30, s.validation().count(), "one validation rating per user");
      assertEquals(ratings.count(), s.train().count() + 60);
      assertEquals(30, s.users());
      assertTrue(s.test().selectExpr("min(item)").first().getFloat(0) >= 0);
      assertTrue(s.test().selectExpr("max(item)").first().getFloat(0) < s.items());
      Dataset<Row> candidates = s.candidates(10, 1);
      assertEquals(30 * 11, candidates.count(), "the test item and 10 unrated ones per user");
      assertEquals(
          0,
          candidates
              .where("NOT positive")
              .join(s.train(), List.of("user", "item").toArray(String[]::new))
              .count(),
          "a negative candidate was rated in training");
    } finally {
      s.unpersist();
    }
  }

  @Test
  void unknownFormatIsNamed() {
    OrcaConfigurationException e =
        assertThrows(
            OrcaConfigurationException.class, () -> MovieLensRatings.Format.of("movies.txt"));
    assertTrue(
        e.getMessage().contains("movies.txt") && e.getMessage().contains("ratings.dat"),
        e.getMessage());
  }

  @Test
  void unknownOptionListsTheOptions() {
    OrcaConfigurationException e =
        assertThrows(
            OrcaConfigurationException.class,
            () -> RecommendationExample.options().parse("--epoch", "3"));
    assertTrue(
        e.getMessage().contains("'--epoch'") && e.getMessage().contains("--epochs"),
        e.getMessage());
  }
}
