package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NCF at reduced size (1000 users, 400 items, 40 ratings each, 8 epochs), from a generated file in
 * the CSV format (the full run uses the ::-separated one): it beats both baselines, the item means
 * on RMSE and popularity on hit rate at 10.
 */
class RecommendationExampleTest {
  @Test
  void beatsPopularityAndItemMeans(@TempDir Path out) throws Exception {
    ExampleResult r =
        RecommendationExample.run(
            "--users",
            "1000",
            "--items",
            "400",
            "--ratings-per-user",
            "40",
            "--epochs",
            "8",
            "--lr",
            "0.005",
            "--format",
            "csv",
            "--out",
            out.toString());
    assertTrue(
        r.figure("rmse") < r.figure("rmse_item_mean") - 0.05,
        "NCF RMSE "
            + r.figure("rmse")
            + " is not below the item means' "
            + r.figure("rmse_item_mean"));
    assertTrue(
        r.figure("hit_rate_10") > r.figure("hit_rate_10_popularity") + 0.03,
        "NCF hit rate@10 "
            + r.figure("hit_rate_10")
            + " does not beat popularity's "
            + r.figure("hit_rate_10_popularity"));
    Charts.assertAllValid(r, 2);
  }
}
